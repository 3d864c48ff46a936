"""The closed-form cost formulas the course teaches.

Every function here is plain arithmetic on Python ints: no Keras, no NumPy.
The notebooks write these same formulas in LaTeX; :mod:`nncost.rules` applies
them to Keras layers, so a number a student derives by hand and the number
:func:`nncost.profile` reports come from one place.

Conventions (see :mod:`nncost.conventions` for the full table):

* a FLOP is one floating-point add, multiply, compare or activation step;
* a weight matrix of shape ``(n_in, n_out)`` costs ``2 * n_in * n_out`` FLOPs
  (one multiply and one add per weight); the bias add is folded into that
  count, exactly as the course's Dense rule ``2 * in * out + out * a`` does;
* a MAC (multiply-accumulate) is one multiply plus one add: ``FLOPs = 2 * MACs``
  for the weight part of dense and convolution layers;
* batch size is 1 unless a function takes ``batch_size``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "KB",
    "conv_flops",
    "conv_macs",
    "conv_output_length",
    "conv_output_shape",
    "conv_params",
    "dense_flops",
    "dense_params",
    "depthwise_conv_params",
    "gru_step_flops",
    "inference_time",
    "lstm_step_flops",
    "model_size_bytes",
    "pool_output_length",
    "pooling_flops",
    "recurrent_params",
    "separable_conv_params",
    "simple_rnn_step_flops",
]

#: The course's kilobyte: 1 KB = 1024 bytes (strictly a KiB; we say so in every label).
KB = 1024


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{name} must be a positive number, got {value!r}.")


def _prod(values: Sequence[int]) -> int:
    return math.prod(int(v) for v in values)


# --------------------------------------------------------------------------- dense
def dense_params(n_in: int, n_out: int, *, bias: bool = True) -> int:
    """Weights plus biases of a fully connected layer: ``n_in * n_out + n_out``."""
    _check_positive(n_in=n_in, n_out=n_out)
    return n_in * n_out + (n_out if bias else 0)


def dense_flops(n_in: int, n_out: int, *, activation_flops: int = 0) -> int:
    """FLOPs of one dense layer for one sample: ``2 * n_in * n_out + n_out * a``.

    ``activation_flops`` is *a*, the cost of the activation per output unit
    (relu 1, sigmoid 1, tanh 1, softmax 6, linear 0 in the course convention).
    """
    _check_positive(n_in=n_in, n_out=n_out)
    return 2 * n_in * n_out + n_out * activation_flops


# --------------------------------------------------------------------------- convolution
def conv_output_length(
    n: int, kernel: int, *, stride: int = 1, padding: str = "valid", dilation: int = 1
) -> int:
    """Output length along one spatial axis of a convolution or pooling window.

    * ``"valid"``: ``floor((n - d*(k-1) - 1) / s) + 1``
    * ``"same"``:  ``ceil(n / s)``

    >>> conv_output_length(28, 3)
    26
    >>> conv_output_length(300, 3, stride=2, padding="same")
    150
    """
    _check_positive(n=n, kernel=kernel, stride=stride, dilation=dilation)
    padding = padding.lower()
    if padding == "same":
        return -(-n // stride)
    if padding == "valid":
        effective = dilation * (kernel - 1) + 1
        if effective > n:
            raise ValueError(
                f"kernel of effective size {effective} does not fit in an input of length {n} "
                "with padding='valid'; use padding='same' or a smaller kernel."
            )
        return (n - effective) // stride + 1
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")


def conv_output_shape(
    spatial: Sequence[int],
    kernel: Sequence[int],
    *,
    strides: Sequence[int] | int = 1,
    padding: str = "valid",
    dilation: Sequence[int] | int = 1,
) -> tuple[int, ...]:
    """:func:`conv_output_length` applied to every spatial axis (1D, 2D or 3D)."""
    rank = len(spatial)
    strides = (strides,) * rank if isinstance(strides, int) else tuple(strides)
    dilation = (dilation,) * rank if isinstance(dilation, int) else tuple(dilation)
    return tuple(
        conv_output_length(n, k, stride=s, padding=padding, dilation=d)
        for n, k, s, d in zip(spatial, kernel, strides, dilation)
    )


def conv_params(
    kernel: Sequence[int], c_in: int, filters: int, *, groups: int = 1, bias: bool = True
) -> int:
    """Parameters of a 1D/2D/3D convolution: ``prod(kernel) * (c_in/groups) * filters + filters``.

    >>> conv_params((3, 3), 1, 32)        # Q3's first layer
    320
    >>> conv_params((3, 3, 3), 1, 32)     # Q5's first layer
    896
    """
    _check_positive(c_in=c_in, filters=filters, groups=groups)
    if c_in % groups or filters % groups:
        raise ValueError(f"groups={groups} must divide both c_in={c_in} and filters={filters}.")
    return _prod(kernel) * (c_in // groups) * filters + (filters if bias else 0)


def conv_macs(kernel: Sequence[int], c_in: int, output_elements: int, *, groups: int = 1) -> int:
    """Multiply-accumulates: ``prod(kernel) * (c_in/groups) * output_elements``.

    ``output_elements`` is the output's spatial size times its channels.
    """
    _check_positive(c_in=c_in, groups=groups)
    return _prod(kernel) * (c_in // groups) * output_elements


def conv_flops(
    kernel: Sequence[int],
    c_in: int,
    output_elements: int,
    *,
    groups: int = 1,
    activation_flops: int = 0,
) -> int:
    """The course's convolution rule: ``2 * prod(kernel) * (c_in/groups) * out + out * a``.

    >>> conv_flops((3, 3), 1, 26 * 26 * 32, activation_flops=1)   # Q3's first layer
    411008
    """
    macs = conv_macs(kernel, c_in, output_elements, groups=groups)
    return 2 * macs + output_elements * activation_flops


def depthwise_conv_params(
    kernel: Sequence[int], c_in: int, *, depth_multiplier: int = 1, bias: bool = True
) -> int:
    """Depthwise convolution: one ``kernel`` per input channel and multiplier, plus biases."""
    _check_positive(c_in=c_in, depth_multiplier=depth_multiplier)
    out = c_in * depth_multiplier
    return _prod(kernel) * out + (out if bias else 0)


def separable_conv_params(
    kernel: Sequence[int], c_in: int, filters: int, *, depth_multiplier: int = 1, bias: bool = True
) -> int:
    """Separable convolution: a depthwise ``kernel`` per input channel (× multiplier), then a
    1×1 pointwise convolution to ``filters``, plus ``filters`` biases.

    >>> separable_conv_params((3, 3), 4, 6)   # 3·3·4 + 4·6 + 6
    66
    """
    _check_positive(c_in=c_in, filters=filters, depth_multiplier=depth_multiplier)
    mid = c_in * depth_multiplier
    return _prod(kernel) * mid + mid * filters + (filters if bias else 0)


# --------------------------------------------------------------------------- pooling
#: The Keras layers :func:`pooling_flops` costs: max and average pooling over a window
#: (names, so that this module needs no Keras; the profiler, the checks and the explorer's
#: knobs all read this one list).
POOLING_LAYERS = (
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
)


def pool_output_length(
    n: int, pool: int, *, stride: int | None = None, padding: str = "valid"
) -> int:
    """Pooling output length; ``stride`` defaults to ``pool`` as in Keras.

    >>> pool_output_length(11, 2)     # floor((11 - 2) / 2) + 1
    5
    """
    return conv_output_length(n, pool, stride=pool if stride is None else stride, padding=padding)


def pooling_flops(pool: Sequence[int], output_elements: int) -> int:
    """Max or average pooling: ``prod(pool) * output_elements``.

    One FLOP per window element per output: a max window of ``k`` values takes
    ``k - 1`` comparisons and an average takes ``k - 1`` adds and 1 divide; we
    count ``k`` for both (one per value read), the convention nncost applies.
    """
    return _prod(pool) * output_elements


# --------------------------------------------------------------------------- recurrent
def recurrent_params(
    units: int, input_dim: int, *, gates: int = 1, extra_bias: bool = False
) -> int:
    """``g * [a(a + i) + a]``: SimpleRNN g=1, LSTM g=4, GRU g=3.

    Keras' GRU with ``reset_after=True`` (its default) has a second bias
    vector per gate: pass ``extra_bias=True`` to add ``g * a``.

    >>> recurrent_params(3, 4)            # Q6's SimpleRNN: 3*(3*7) + 3
    24
    >>> recurrent_params(3, 4, gates=4)   # Q7's LSTM
    96
    """
    _check_positive(units=units, input_dim=input_dim, gates=gates)
    a, i, g = units, input_dim, gates
    return g * (a * (a + i) + a) + (g * a if extra_bias else 0)


def simple_rnn_step_flops(units: int, input_dim: int, *, activation_flops: int = 1) -> int:
    """One time step of a SimpleRNN: a dense layer on ``[x_t, h_{t-1}]``.

    ``2 * a * (i + a) + a * act``.
    """
    _check_positive(units=units, input_dim=input_dim)
    a, i = units, input_dim
    return 2 * a * (i + a) + a * activation_flops


def lstm_step_flops(
    units: int, input_dim: int, *, gate_activation_flops: int = 1, activation_flops: int = 1
) -> int:
    """One time step of an LSTM.

    * four gates, each a dense layer on ``[x_t, h_{t-1}]``: ``2 * 4a * (i + a)``;
    * three gate activations (input, forget, output; sigmoid): ``3a * σ``;
    * the candidate and the cell output go through ``activation`` (tanh): ``2a * act``;
    * element-wise ``c = f⊙c + i⊙g`` and ``h = o⊙tanh(c)``: ``4a``.
    """
    _check_positive(units=units, input_dim=input_dim)
    a, i = units, input_dim
    return 8 * a * (i + a) + 3 * a * gate_activation_flops + 2 * a * activation_flops + 4 * a


def gru_step_flops(
    units: int,
    input_dim: int,
    *,
    gate_activation_flops: int = 1,
    activation_flops: int = 1,
    reset_after: bool = True,
) -> int:
    """One time step of a GRU.

    * three gate matrices on ``[x_t, h_{t-1}]``: ``2 * 3a * (i + a)``;
    * update and reset gates (sigmoid): ``2a * σ``; candidate (tanh): ``a * act``;
    * element-wise: ``h = z⊙h + (1-z)⊙ĥ`` is ``4a``; the reset gate ``r`` applied
      to the recurrent term is ``a`` more, and with ``reset_after=True`` (Keras'
      default) the separate candidate terms are added: ``a`` more.
    """
    _check_positive(units=units, input_dim=input_dim)
    a, i = units, input_dim
    elementwise = 4 * a + a + (a if reset_after else 0)
    return 6 * a * (i + a) + 2 * a * gate_activation_flops + a * activation_flops + elementwise


# --------------------------------------------------------------------------- size and time
def model_size_bytes(params: int, *, bytes_per_param: int = 4) -> int:
    """Model size = parameters × bytes per parameter (4 for float32).

    >>> model_size_bytes(66)
    264
    """
    if params < 0:
        raise ValueError(f"params must be >= 0, got {params!r}.")
    _check_positive(bytes_per_param=bytes_per_param)
    return params * bytes_per_param


def inference_time(flops: int, flops_per_second: float = 1e9) -> float:
    """Seconds for one inference: ``FLOPs / FLOPS`` (FLOPS = FLOPs per second).

    >>> inference_time(121, 1e9)
    1.21e-07
    """
    if (
        not isinstance(flops_per_second, (int, float))
        or isinstance(flops_per_second, bool)
        or not flops_per_second > 0
        or math.isinf(flops_per_second)
    ):
        raise ValueError(
            f"flops_per_second must be a positive, finite number such as 1e9 for a 1 GFLOPS "
            f"processor; got {flops_per_second!r}."
        )
    return flops / flops_per_second
