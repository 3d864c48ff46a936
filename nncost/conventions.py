"""Counting conventions: every rule nncost applies, in one table.

The default, :data:`COURSE`, is the course's stated rules (seed 000):

======================  ===========================================================
Dense                   ``2·in·out + out·a``; the bias add is folded into ``2·in·out``
Convolution             ``2·prod(kernel)·(C_in/groups)·out + out·a`` (``out`` = output
                        elements, spatial × channels)
Activation cost ``a``   relu 1, sigmoid 1, tanh 1, softmax 6, linear 0 (others: below)
Model size              params × ``bytes_per_param`` (4, float32)
Inference time          FLOPs / FLOPS
MACs                    multiply-accumulates of dense, convolution and recurrent
                        weight matrices only
======================  ===========================================================

Where the course is silent nncost chooses, and this module is where the choice is
written down (each is a field of :class:`Convention`, so it can be changed without
editing code):

* max / average pooling (1D/2D/3D): ``prod(pool) · out`` — one FLOP per window
  value read; global pooling: one FLOP per input element;
* batch normalization at inference: ``2`` per element (the statistics fold into
  one scale and one shift); layer / group / unit normalization: ``7`` per element
  (mean, centre, square, variance, scale by 1/σ, γ, β);
* element-wise merges: Add, Subtract, Multiply, Maximum, Minimum ``(n-1)·out``,
  Average ``n·out``; Concatenate 0; Dot ``2·(reduced length)·out``;
* recurrent layers: per-step cost × time steps (``seq_len`` when the time axis is
  ``None``); gates are dense layers on ``[x_t, h_{t-1}]``; LSTM/GRU element-wise
  products and sums counted one FLOP each (see :mod:`nncost.formulas`);
* Bidirectional: forward + backward layer, plus the merge (sum/mul 1, ave 2,
  concat 0 per output element);
* embedding lookups, reshapes, padding, cropping, dropout and other layers that
  move or copy data: 0 FLOPs (counted, not unknown);
* depthwise convolution: ``2·prod(kernel)·out``; separable: depthwise then a 1×1
  pointwise convolution; transposed convolution: ``2·prod(kernel)·C_in·C_out·in``
  (every input element is scattered through the whole kernel);
* Rescaling / Normalization (preprocessing): 2 per element;
* a layer with no rule is reported as *uncounted*, with a warning: never as 0.

Memory uses ``bytes_per_activation`` (4, float32) for every tensor, and
``optimizer_slots`` for training (sgd 0, momentum 1, adam 2 copies of the
trainable parameters).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["COURSE", "TF_PROFILER", "Convention", "get_convention"]

#: FLOPs per element of each activation. The first five are the course's table
#: (TensorFlow's activation costs as the course states them); the rest are nncost's
#: choice: one FLOP per elementary step of the function's usual formula.
COURSE_ACTIVATION_FLOPS: Mapping[str, int] = MappingProxyType(
    {
        "linear": 0,
        "relu": 1,
        "sigmoid": 1,
        "tanh": 1,
        "softmax": 6,
        # nncost's choices, beyond the course's table:
        "relu6": 2,  # max(x, 0), min(., 6)
        "leaky_relu": 2,  # compare, multiply
        "elu": 3,  # compare, exp, multiply-subtract
        "selu": 4,  # elu plus a scale
        "celu": 3,
        "exponential": 1,
        "softplus": 2,  # exp, log1p
        "softsign": 3,  # abs, add, divide
        "hard_sigmoid": 3,  # multiply-add, clip (2)
        "hard_tanh": 2,
        "silu": 2,  # x · sigmoid(x)    (Keras' name for swish)
        "swish": 2,
        "hard_silu": 4,  # x · hard_sigmoid(x)  (Keras' name for hard_swish)
        "hard_swish": 4,
        "gelu": 8,  # tanh approximation: x³, multiply-add ×2, tanh, 1+, ½x·
        "mish": 4,  # softplus, tanh, multiply
        "log_softmax": 6,
        "sparse_plus": 3,
        "squareplus": 4,
        "soft_shrink": 2,
        "hard_shrink": 2,
        "tanh_shrink": 2,
        "glu": 2,
        "log_sigmoid": 2,
        "threshold": 1,
        "sparsemax": 6,
        "sparse_sigmoid": 3,
    }
)

OPTIMIZER_SLOTS: Mapping[str, int] = MappingProxyType(
    {"sgd": 0, "momentum": 1, "rmsprop": 1, "adagrad": 1, "adam": 2, "adamw": 2, "nadam": 2}
)


@dataclasses.dataclass(frozen=True)
class Convention:
    """A complete set of counting rules; :data:`COURSE` is the default.

    Change any rule without editing code::

        strict = nncost.COURSE.replace(name="no-activations", activation_flops={})

    Every field is in base units: FLOPs per element, bytes per value.
    """

    name: str = "course"
    #: FLOPs per element of each activation function, by Keras' function name.
    activation_flops: Mapping[str, int] = dataclasses.field(
        default_factory=lambda: COURSE_ACTIVATION_FLOPS
    )
    #: bytes of one parameter (4 = float32); model size = params × this.
    bytes_per_param: int = 4
    #: bytes of one activation value (4 = float32).
    bytes_per_activation: int = 4
    #: FLOPs per bias value added, on top of ``2·in·out``. The course folds the bias
    #: into ``2·in·out`` (0); TensorFlow's profiler counts a separate BiasAdd (1).
    bias_add_flops: int = 0
    #: FLOPs per pooling window value read (max and average pooling).
    pooling_flops_per_window_value: int = 1
    #: FLOPs per input element of global pooling.
    global_pooling_flops_per_element: int = 1
    #: FLOPs per element of batch normalization at inference.
    batchnorm_flops_per_element: int = 2
    #: FLOPs per element of layer / group / unit normalization.
    layernorm_flops_per_element: int = 7
    #: FLOPs per element of Rescaling and Normalization preprocessing layers.
    rescaling_flops_per_element: int = 2
    #: count the LSTM/GRU element-wise products and sums (1 FLOP each).
    recurrent_elementwise: bool = True
    #: copies of the trainable parameters an optimizer keeps, by optimizer name.
    optimizer_slots: Mapping[str, int] = dataclasses.field(default_factory=lambda: OPTIMIZER_SLOTS)

    def replace(self, **changes) -> Convention:
        """A copy with some rules changed; mappings are frozen again."""
        for key in ("activation_flops", "optimizer_slots"):
            if key in changes:
                changes[key] = MappingProxyType(dict(changes[key]))
        return dataclasses.replace(self, **changes)

    def activation_cost(self, name: str) -> int | None:
        """FLOPs per element of activation ``name``; ``None`` when the table has no entry."""
        return self.activation_flops.get(name)

    def describe(self) -> str:
        """One line per rule, for reports and notebooks."""
        acts = ", ".join(f"{k} {v}" for k, v in self.activation_flops.items())
        return "\n".join(
            [
                f"convention: {self.name}",
                "dense: 2·in·out + out·a"
                + (f" + {self.bias_add_flops}·out (bias add)" if self.bias_add_flops else ""),
                "conv: 2·prod(kernel)·(C_in/groups)·out + out·a",
                f"activation a per element: {acts}",
                (
                    f"pooling: {self.pooling_flops_per_window_value}·prod(pool)·out; "
                    f"global pooling: {self.global_pooling_flops_per_element}·in"
                ),
                (
                    f"batch norm: {self.batchnorm_flops_per_element}/element; "
                    f"layer norm: {self.layernorm_flops_per_element}/element"
                ),
                (
                    f"bytes per parameter: {self.bytes_per_param}; "
                    f"bytes per activation: {self.bytes_per_activation}"
                ),
            ]
        )


#: The course's rules (seed 000) plus nncost's documented choices. The default.
COURSE = Convention()

#: What ``tf.compat.v1.profiler`` (float_operation) counts on a frozen graph, as
#: measured in tests/test_tf_profiler.py: MatMul and Conv2D ``2·k·C_in·out`` (as the
#: course), a separate BiasAdd of 1 FLOP per output, Softmax 5 per element, no FLOPs
#: for relu, sigmoid, tanh or other element-wise activations, pooling ``prod(pool)·out``.
#: Known remaining differences: TensorFlow counts batch normalization unfolded (its
#: Rsqrt/Mul/Sub on the statistics too) and a global average pool's Mean as one FLOP
#: per output.
TF_PROFILER = COURSE.replace(
    name="tf-profiler",
    activation_flops={**{name: 0 for name in COURSE_ACTIVATION_FLOPS}, "softmax": 5},
    bias_add_flops=1,
)

_NAMED = {c.name: c for c in (COURSE, TF_PROFILER)}


def get_convention(convention: Convention | str | None) -> Convention:
    """Resolve ``None`` (the course default), a name, or a :class:`Convention`."""
    if convention is None:
        return COURSE
    if isinstance(convention, Convention):
        return convention
    if isinstance(convention, str) and convention in _NAMED:
        return _NAMED[convention]
    raise ValueError(
        f"unknown convention {convention!r}: pass None (the course's rules), one of "
        f"{sorted(_NAMED)}, or a nncost.Convention such as nncost.COURSE.replace(...)."
    )
