"""``nncost.profile``: the entry point that turns a Keras model into a :class:`Report`."""

from __future__ import annotations

import math
import warnings

from nncost.conventions import Convention, get_convention
from nncost.errors import NNCostError, UncountedLayerWarning, check_batch_size
from nncost.report import LayerCost, Memory, Report

__all__ = ["profile"]


def _weights_size(weights) -> int:
    return sum(math.prod(w.shape) for w in weights)


def profile(
    model,
    *,
    seq_len: int | None = None,
    batch_size: int = 1,
    convention: Convention | str | None = None,
) -> Report:
    """Parameters, MACs, FLOPs, memory and inference time of a built Keras 3 model.

    Args:
        model: a built ``keras.Sequential`` or functional ``keras.Model``; nested
            models and branches (Add, Concatenate, Multiply…) are followed.
        seq_len: time steps for recurrent layers whose time axis is ``None``.
        batch_size: samples per forward pass; scales the activation memory only
            (FLOPs and parameters are per sample).
        convention: the counting rules; ``None`` means the course's
            (:data:`nncost.COURSE`), or a name such as ``"tf-profiler"``.

    Returns:
        a :class:`~nncost.report.Report`: ``print`` it for the table, call
        ``.explain()`` for the worked derivation.
    """
    check_batch_size(batch_size)
    if seq_len is not None and (
        not isinstance(seq_len, int) or isinstance(seq_len, bool) or seq_len < 1
    ):
        raise NNCostError(f"seq_len must be a whole number >= 1 (time steps), got {seq_len!r}.")
    conv = get_convention(convention)

    from nncost import graph as graph_mod
    from nncost import rules
    from nncost.memory import elements, peak_activations

    g = graph_mod.walk(model)
    ctx = rules.Context(conv, seq_len)
    bpa = conv.bytes_per_activation

    tensor_elems: dict[int, int] = {}
    for tid, shape in zip(g.inputs, g.input_shapes):
        tensor_elems[tid] = elements(shape, seq_len)
    rows: list[LayerCost] = []
    seen: set[int] = set()
    for op in g.ops:
        for tid, shape in zip(op.outputs, op.output_shapes):
            tensor_elems.setdefault(tid, elements(shape, seq_len))
        rows.append(_row(op, ctx, seen, tensor_elems, batch_size, bpa, rules))
    _sum_containers(rows)

    leaves = [r for r in rows if not r.container]
    uncounted = [r.name for r in leaves if not r.counted]
    if uncounted:
        warnings.warn(
            f"nncost has no FLOPs rule for {', '.join(uncounted)}: their FLOPs are reported as "
            "unknown (?) and left out of the total. See nncost.conventions to add a rule.",
            UncountedLayerWarning,
            stacklevel=2,
        )
    params = sum(r.params for r in leaves)
    trainable = sum(r.trainable_params for r in leaves)
    tensor_bytes = {t: n * batch_size * bpa for t, n in tensor_elems.items()}
    peak, peak_at, peak_live = peak_activations(g, tensor_bytes)
    leaf_outputs = {t for op in g.ops if not op.container for t in op.outputs}
    memory = Memory(
        params_bytes=params * conv.bytes_per_param,
        peak_activation_bytes=peak,
        peak_at=peak_at,
        peak_tensors=peak_live,
        all_activations_bytes_per_sample=sum(tensor_elems[t] for t in leaf_outputs) * bpa,
        input_bytes_per_sample=sum(tensor_elems[t] for t in g.inputs) * bpa,
        trainable_params=trainable,
        bytes_per_param=conv.bytes_per_param,
        optimizer_slots=dict(conv.optimizer_slots),
    )
    return Report(
        model_name=model.name,
        layers=rows,
        params=params,
        trainable_params=trainable,
        convention=conv,
        memory=memory,
        batch_size=batch_size,
        seq_len=seq_len,
        input_shapes=g.input_shapes,
    )


def _row(op, ctx, seen, tensor_elems, batch_size, bpa, rules) -> LayerCost:
    layer = op.layer
    out_elems = sum(tensor_elems[t] for t in op.outputs)
    row = LayerCost(
        name=op.name,
        kind=type(layer).__name__,
        output_shape=op.output_shapes[0] if op.output_shapes else (),
        output_elements=out_elems,
        activation_bytes=out_elems * batch_size * bpa,
        depth=op.depth,
        container=op.container,
    )
    if op.container:
        return row
    cost = rules.layer_cost(layer, op, ctx)
    first_call = id(layer) not in seen
    seen.add(id(layer))
    keras_params = layer.count_params() if first_call and hasattr(layer, "count_params") else 0
    row.trainable_params = (
        _weights_size(getattr(layer, "trainable_weights", [])) if first_call else 0
    )
    if not first_call:
        row.params, row.params_formula = (
            0,
            f"0 (weights shared with an earlier call of {layer.name})",
        )
    elif cost.params is None:
        row.params, row.params_formula = keras_params, (str(keras_params) if keras_params else "0")
    elif cost.params != keras_params:
        warnings.warn(
            f"{op.name}: nncost's formula gives {cost.params} parameters but the layer holds "
            f"{keras_params} weights; reporting Keras' count.",
            UncountedLayerWarning,
            stacklevel=3,
        )
        row.params, row.params_formula = keras_params, f"{keras_params} (Keras' weight count)"
    else:
        row.params, row.params_formula = cost.params, cost.params_formula
    row.macs, row.flops_compute = cost.macs, cost.compute
    row.flops_activation, row.flops_other = cost.activation, cost.other
    row.flops_formula, row.counted, row.note = cost.flops_formula, cost.counted, cost.note
    return row


def _sum_containers(rows: list[LayerCost]) -> None:
    """Give each nested-model row the sums of the leaf rows beneath it."""
    for i, row in enumerate(rows):
        if not row.container:
            continue
        children = []
        for r in rows[i + 1 :]:
            if r.depth <= row.depth:
                break
            if not r.container:
                children.append(r)
        row.params = sum(r.params for r in children)
        row.trainable_params = sum(r.trainable_params for r in children)
        row.macs = sum(r.macs for r in children)
        row.flops_compute = sum(r.flops_compute for r in children)
        row.flops_activation = sum(r.flops_activation for r in children)
        row.flops_other = sum(r.flops_other for r in children)
        row.counted = all(r.counted for r in children)
        row.params_formula = f"sum of its {len(children)} layers = {row.params}"
        row.flops_formula = f"sum of its {len(children)} layers = {row.flops}"
