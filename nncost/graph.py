"""Walk a built Keras 3 model into a flat, ordered list of operations.

Sequential, functional (branches, merges) and nested models are all flattened
into :class:`Op` records, in an order Keras could execute them. Tensors are
identified by integers; a nested model's inputs and outputs are aliased to the
outer tensors, so memory liveness runs over one graph.

Only this module and :mod:`nncost.rules` touch Keras objects.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nncost.errors import NNCostError

__all__ = ["Graph", "Op", "walk"]


@dataclasses.dataclass
class Op:
    """One call of one layer (or Keras op) in the graph."""

    layer: Any
    name: str  #: qualified name: "outer_model/inner_layer" for nested layers
    depth: int  #: 0 for the top model's own layers
    inputs: list[int]  #: tensor ids
    outputs: list[int]
    input_shapes: list[tuple]  #: without the batch axis
    output_shapes: list[tuple]
    container: bool = False  #: a nested model; its layers follow it at depth + 1


@dataclasses.dataclass
class Graph:
    ops: list[Op]
    inputs: list[int]
    input_shapes: list[tuple]
    outputs: list[int]


def _keras():
    import keras

    return keras


def _shape(tensor) -> tuple:
    return tuple(tensor.shape)[1:]


def _functional(model):
    """The functional graph behind ``model``, or a clear error if it has none yet."""
    keras = _keras()
    if isinstance(model, keras.Sequential):
        graph = getattr(model, "_functional", None)
        if graph is None or not model.built:
            raise NNCostError(
                f"model {model.name!r} is not built, so its layer shapes are unknown. Start the "
                "Sequential with keras.Input(shape=...) (e.g. keras.Input((28, 28, 1))), or call "
                "model.build((None, ...)) before profiling."
            )
        return graph
    if not hasattr(model, "_nodes_by_depth") or not getattr(model, "inputs", None):
        raise NNCostError(
            f"model {model.name!r} is a subclassed keras.Model without a static graph; nncost "
            "needs a Sequential or functional model (keras.Model(inputs, outputs))."
        )
    return model


def walk(model) -> Graph:
    """Flatten ``model`` into ops in execution order."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise NNCostError(
            f"nncost.profile expects a built Keras model (keras.Sequential or keras.Model), got "
            f"{type(model).__name__}. Build one first, e.g. keras.Sequential([keras.Input((5,)), "
            "keras.layers.Dense(5)])."
        )
    fn = _functional(model)
    alias: dict[int, int] = {}
    ops: list[Op] = []
    _walk(fn, "", 0, alias, ops, keras)
    return Graph(
        ops=ops,
        inputs=[id(t) for t in fn.inputs],
        input_shapes=[_shape(t) for t in fn.inputs],
        outputs=[alias.get(id(t), id(t)) for t in fn.outputs],
    )


def _ordered_nodes(fn):
    for depth in sorted(fn._nodes_by_depth, reverse=True):
        yield from fn._nodes_by_depth[depth]


def _walk(fn, prefix: str, depth: int, alias: dict[int, int], ops: list[Op], keras) -> None:
    def resolve(tid: int) -> int:
        while tid in alias:
            tid = alias[tid]
        return tid

    for node in _ordered_nodes(fn):
        if node.is_input:
            continue
        layer = node.operation
        inputs = [resolve(id(t)) for t in node.input_tensors]
        outputs = [id(t) for t in node.output_tensors]
        op = Op(
            layer=layer,
            name=prefix + layer.name,
            depth=depth,
            inputs=inputs,
            outputs=outputs,
            input_shapes=[_shape(t) for t in node.input_tensors],
            output_shapes=[_shape(t) for t in node.output_tensors],
        )
        if isinstance(layer, keras.Model):
            inner = _functional(layer)
            op.container = True
            ops.append(op)
            for t_inner, t_outer in zip(inner.inputs, inputs):
                alias[id(t_inner)] = t_outer
            _walk(inner, op.name + "/", depth + 1, alias, ops, keras)
            for t_inner, t_outer in zip(inner.outputs, outputs):
                alias[t_outer] = resolve(id(t_inner))
        else:
            ops.append(op)
