"""Per-layer cost rules: one function per family of Keras layers, dispatched with
``isinstance``. Each applies :mod:`nncost.formulas` under a :class:`~nncost.Convention`
and writes out the numbers it plugged in, for :meth:`Report.explain`.

Imported lazily (it imports Keras): ``import nncost`` does not load TensorFlow.
"""

from __future__ import annotations

import dataclasses
import math

import keras
from keras import layers as L

from nncost import formulas
from nncost.conventions import Convention
from nncost.errors import NNCostError

__all__ = ["Cost", "layer_cost"]


@dataclasses.dataclass
class Cost:
    params: int | None = None  #: None: no formula, take Keras' weight count
    params_formula: str = ""
    macs: int = 0
    compute: int = 0
    activation: int = 0
    other: int = 0
    flops_formula: str = ""
    counted: bool = True
    note: str = ""

    @property
    def flops(self) -> int:
        return self.compute + self.activation + self.other


@dataclasses.dataclass
class Context:
    convention: Convention
    seq_len: int | None


def _n(shape) -> int:
    """Elements of a shape without the batch axis; raises on unknown dims."""
    if any(d is None for d in shape):
        raise NNCostError(
            f"a tensor of shape {tuple(shape)} has an unknown dimension, so its cost is unknown. "
            "Give the model a fixed input shape, e.g. keras.Input((224, 224, 3))."
        )
    return math.prod(shape)


def _x(*factors) -> str:
    return "×".join(str(f) for f in factors)


def _activation(fn, n_out: int, ctx: Context) -> tuple[int, str, bool]:
    """(FLOPs, formula text, known?) of an activation applied to ``n_out`` values."""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    if name == "linear":
        return 0, "", True
    cost = ctx.convention.activation_cost(name)
    if cost is None:
        return 0, f" + {n_out}×? ({name})", False
    return n_out * cost, f" + {n_out}×{cost} ({name})", True


def _unknown_activation(cost: Cost, fn) -> Cost:
    name = getattr(fn, "__name__", None) or type(fn).__name__
    cost.counted = False
    cost.note = (
        f"activation {name!r} has no FLOPs rule: add it, e.g. "
        f"nncost.COURSE.replace(activation_flops={{**nncost.COURSE.activation_flops, {name!r}: 1}})"
    )
    return cost


# --------------------------------------------------------------------------- dense
def _dense(layer, op, ctx) -> Cost:
    in_shape = op.input_shapes[0]
    n_in, n_out = in_shape[-1], layer.units
    positions = _n(in_shape[:-1]) if len(in_shape) > 1 else 1
    bias = layer.use_bias
    params = formulas.dense_params(n_in, n_out, bias=bias)
    pf = f"{n_in}×{n_out}" + (f" + {n_out}" if bias else "") + f" = {params}"
    bias_add = ctx.convention.bias_add_flops * n_out if bias else 0
    act, act_text, known = _activation(layer.activation, n_out, ctx)
    inner = f"2×{n_in}×{n_out}" + (f" + {bias_add} (bias)" if bias_add else "") + act_text
    total = positions * (2 * n_in * n_out + bias_add + act)
    ff = (f"{positions}×({inner})" if positions > 1 else inner) + f" = {total}"
    cost = Cost(
        params,
        pf,
        positions * n_in * n_out,
        positions * 2 * n_in * n_out,
        positions * act,
        positions * bias_add,
        ff,
    )
    return cost if known else _unknown_activation(cost, layer.activation)


# --------------------------------------------------------------------------- convolution
def _channels(layer, shape) -> tuple[int, tuple]:
    """(channels, spatial shape) of a tensor shape, by the layer's data_format."""
    if getattr(layer, "data_format", "channels_last") == "channels_last":
        return shape[-1], tuple(shape[:-1])
    return shape[0], tuple(shape[1:])


def _weighted(
    layer,
    ctx,
    *,
    params: int,
    params_formula: str,
    macs: int,
    out: int,
    macs_text: str,
    note: str = "",
) -> Cost:
    """A convolution-like layer: ``2·MACs`` + bias adds (convention) + activation on ``out``."""
    bias_add = ctx.convention.bias_add_flops * out if layer.use_bias else 0
    act, act_text, known = _activation(layer.activation, out, ctx)
    ff = (
        f"2×{macs_text}"
        + (f" + {bias_add} (bias)" if bias_add else "")
        + act_text
        + f" = {2 * macs + bias_add + act}"
    )
    cost = Cost(params, params_formula, macs, 2 * macs, act, bias_add, ff, note=note)
    return cost if known else _unknown_activation(cost, layer.activation)


def _bias_text(layer, n: int) -> str:
    return f" + {n}" if layer.use_bias else ""


def _conv(layer, op, ctx) -> Cost:
    kernel = tuple(layer.kernel_size)
    c_in, _ = _channels(layer, op.input_shapes[0])
    out_shape = op.output_shapes[0]
    groups, filters = getattr(layer, "groups", 1), layer.filters
    params = formulas.conv_params(kernel, c_in, filters, groups=groups, bias=layer.use_bias)
    cg = f"({c_in}/{groups})" if groups > 1 else str(c_in)
    return _weighted(
        layer,
        ctx,
        params=params,
        params_formula=f"{_x(*kernel)}×{cg}×{filters}{_bias_text(layer, filters)} = {params}",
        macs=formulas.conv_macs(kernel, c_in, _n(out_shape), groups=groups),
        out=_n(out_shape),
        macs_text=f"{_x(*kernel)}×{cg}×({_x(*out_shape)})",
    )


def _depthwise(layer, op, ctx) -> Cost:
    kernel = tuple(layer.kernel_size)
    c_in, _ = _channels(layer, op.input_shapes[0])
    out_shape = op.output_shapes[0]
    dm = layer.depth_multiplier
    params = formulas.depthwise_conv_params(kernel, c_in, depth_multiplier=dm, bias=layer.use_bias)
    return _weighted(
        layer,
        ctx,
        params=params,
        params_formula=f"{_x(*kernel)}×{c_in}×{dm}{_bias_text(layer, c_in * dm)} = {params}",
        macs=math.prod(kernel) * _n(out_shape),
        out=_n(out_shape),
        macs_text=f"{_x(*kernel)}×({_x(*out_shape)})",
    )


def _separable(layer, op, ctx) -> Cost:
    kernel = tuple(layer.kernel_size)
    c_in, _ = _channels(layer, op.input_shapes[0])
    _, spatial = _channels(layer, op.output_shapes[0])
    mid, filters = c_in * layer.depth_multiplier, layer.filters
    positions = _n(spatial)
    params = formulas.separable_conv_params(
        kernel, c_in, filters, depth_multiplier=layer.depth_multiplier, bias=layer.use_bias
    )
    return _weighted(
        layer,
        ctx,
        params=params,
        params_formula=(
            f"{_x(*kernel)}×{c_in}×{layer.depth_multiplier} + {mid}×{filters}"
            f"{_bias_text(layer, filters)} = {params}"
        ),
        macs=math.prod(kernel) * mid * positions + mid * filters * positions,
        out=positions * filters,
        macs_text=f"({_x(*kernel)}×{mid} + {mid}×{filters})×({_x(*spatial)})",
        note="depthwise then 1×1 pointwise",
    )


def _transpose(layer, op, ctx) -> Cost:
    kernel = tuple(layer.kernel_size)
    c_in, in_spatial = _channels(layer, op.input_shapes[0])
    filters = layer.filters
    params = formulas.conv_params(kernel, c_in, filters, bias=layer.use_bias)
    return _weighted(
        layer,
        ctx,
        params=params,
        params_formula=f"{_x(*kernel)}×{c_in}×{filters}{_bias_text(layer, filters)} = {params}",
        macs=math.prod(kernel) * c_in * filters * _n(in_spatial),
        out=_n(op.output_shapes[0]),
        macs_text=f"{_x(*kernel)}×{c_in}×{filters}×({_x(*in_spatial)})",
        note="each input element scattered through the kernel",
    )


# --------------------------------------------------------------------------- pooling
def _pool(layer, op, ctx) -> Cost:
    pool = tuple(layer.pool_size)
    out_shape = op.output_shapes[0]
    per = ctx.convention.pooling_flops_per_window_value
    flops = per * formulas.pooling_flops(pool, _n(out_shape))
    ff = (f"{per}×" if per != 1 else "") + f"{_x(*pool)}×({_x(*out_shape)}) = {flops}"
    return Cost(0, "0", compute=flops, flops_formula=ff)


def _global_pool(layer, op, ctx) -> Cost:
    in_shape = op.input_shapes[0]
    per = ctx.convention.global_pooling_flops_per_element
    flops = per * _n(in_shape)
    return Cost(
        0,
        "0",
        compute=flops,
        flops_formula=(f"{per}×" if per != 1 else "") + f"({_x(*in_shape)}) = {flops}",
    )


# --------------------------------------------------------------------------- normalization
def _per_element(per: str, what: str):
    def rule(layer, op, ctx) -> Cost:
        n = _n(op.output_shapes[0])
        k = getattr(ctx.convention, per)
        return Cost(
            None,
            "",
            other=k * n,
            flops_formula=f"{k}×({_x(*op.output_shapes[0])}) ({what}) = {k * n}",
        )

    return rule


def _batchnorm(layer, op, ctx) -> Cost:
    cost = _per_element("batchnorm_flops_per_element", "scale and shift")(layer, op, ctx)
    shape = op.output_shapes[0]  # no batch axis; Keras' axis counts it
    axis = layer.axis
    channels = (shape[axis] if axis < 0 else shape[axis - 1]) if isinstance(axis, int) else None
    n_vec = sum(1 for v in (layer.gamma, layer.beta) if v is not None) + 2
    if channels is not None:
        cost.params = n_vec * channels
        cost.params_formula = f"{n_vec}×{channels} = {cost.params}"
        cost.note = "γ, β trainable; moving mean and variance not"
    return cost


# --------------------------------------------------------------------------- activations
def _activation_layer(layer, op, ctx) -> Cost:
    n = _n(op.output_shapes[0])
    if isinstance(layer, L.Activation):
        fn = layer.activation
    elif isinstance(layer, L.Softmax):
        fn = keras.activations.softmax
    elif isinstance(layer, L.ReLU):
        plain = layer.max_value is None and not layer.negative_slope and not layer.threshold
        fn = keras.activations.relu if plain else keras.activations.relu6
        if not plain and layer.max_value != 6.0:
            fn = keras.activations.leaky_relu
    elif isinstance(layer, L.LeakyReLU):
        fn = keras.activations.leaky_relu
    elif isinstance(layer, L.ELU):
        fn = keras.activations.elu
    elif isinstance(layer, L.PReLU):
        fn = keras.activations.leaky_relu
    else:  # pragma: no cover - dispatch guarantees one of the above
        raise TypeError(type(layer))
    act, text, known = _activation(fn, n, ctx)
    cost = Cost(
        None, "", activation=act, flops_formula=(text[3:] if text else "0 (linear)") + f" = {act}"
    )
    return cost if known else _unknown_activation(cost, fn)


# --------------------------------------------------------------------------- merges and element-wise
def _merge(layer, op, ctx) -> Cost:
    n_in = len(op.inputs)
    out_shape = op.output_shapes[0]
    n = _n(out_shape)
    if isinstance(layer, L.Concatenate):
        return Cost(0, "0", flops_formula="0 (copy)")
    if isinstance(layer, L.Dot):
        reduced = op.input_shapes[0][
            layer.axes[0] - 1 if isinstance(layer.axes, (list, tuple)) else layer.axes - 1
        ]
        flops = 2 * reduced * n
        return Cost(
            0, "0", compute=flops, flops_formula=f"2×{reduced}×({_x(*out_shape)}) = {flops}"
        )
    k = n_in if isinstance(layer, L.Average) else n_in - 1
    return Cost(0, "0", other=k * n, flops_formula=f"{k}×({_x(*out_shape)}) = {k * n}")


def _elementwise_op(layer, op, ctx) -> Cost:
    """keras.ops element-wise arithmetic in a functional graph (x + 3.0, x * y): 1 per output."""
    n = _n(op.output_shapes[0])
    return Cost(0, "0", other=n, flops_formula=f"({_x(*op.output_shapes[0])}) = {n}")


def _layer_scale(layer, op, ctx) -> Cost:
    """ConvNeXt's LayerScale (x·γ) and InceptionResNetV2's CustomScaleLayer (x + y·s)."""
    n = _n(op.output_shapes[0])
    k = 1 if type(layer).__name__ == "LayerScale" else 2
    return Cost(None, "", other=k * n, flops_formula=f"{k}×({_x(*op.output_shapes[0])}) = {k * n}")


# --------------------------------------------------------------------------- free layers
def _free(layer, op, ctx) -> Cost:
    return Cost(None, "", flops_formula="0 (moves or copies data)")


def _embedding(layer, op, ctx) -> Cost:
    params = layer.input_dim * layer.output_dim
    return Cost(
        params, f"{layer.input_dim}×{layer.output_dim} = {params}", flops_formula="0 (table lookup)"
    )


def _upsampling(layer, op, ctx) -> Cost:
    interp = getattr(layer, "interpolation", "nearest")
    if interp == "nearest":
        return Cost(0, "0", flops_formula="0 (nearest: copies)")
    return Cost(0, "0", counted=False, note=f"no rule for {interp!r} upsampling")


# --------------------------------------------------------------------------- recurrent
def _time_steps(op, ctx, what: str) -> int:
    steps = op.input_shapes[0][0]
    if steps is None:
        if ctx.seq_len is None:
            raise NNCostError(
                f"{what} {op.name!r} has a time axis of unknown length (None), so its FLOPs depend on "
                "the sequence length: pass it, e.g. nncost.profile(model, seq_len=5)."
            )
        return ctx.seq_len
    return steps


def _rnn_step(cell, i: int, ctx) -> tuple[int, int, int, int, int, str, int, bool, str]:
    """(params, macs, compute, act, other, formula parts...) for one step of one cell."""
    conv = ctx.convention
    a = cell.units
    act_name = getattr(cell.activation, "__name__", "?")
    act_cost = conv.activation_cost(act_name)
    if isinstance(cell, L.LSTMCell):
        g, kind = 4, "LSTM"
        gate_name = getattr(cell.recurrent_activation, "__name__", "?")
        gate_cost = conv.activation_cost(gate_name)
        known = act_cost is not None and gate_cost is not None
        act = 3 * a * (gate_cost or 0) + 2 * a * (act_cost or 0)
        other = 4 * a if conv.recurrent_elementwise else 0
        act_text = f"3×{a}×{gate_cost} ({gate_name}) + 2×{a}×{act_cost} ({act_name})"
        extra_bias = False
    elif isinstance(cell, L.GRUCell):
        g, kind = 3, "GRU"
        gate_name = getattr(cell.recurrent_activation, "__name__", "?")
        gate_cost = conv.activation_cost(gate_name)
        known = act_cost is not None and gate_cost is not None
        act = 2 * a * (gate_cost or 0) + a * (act_cost or 0)
        other = (5 * a + (a if cell.reset_after else 0)) if conv.recurrent_elementwise else 0
        act_text = f"2×{a}×{gate_cost} ({gate_name}) + {a}×{act_cost} ({act_name})"
        extra_bias = cell.use_bias and cell.reset_after
    else:
        g, kind = 1, "SimpleRNN"
        known = act_cost is not None
        act = a * (act_cost or 0)
        other = 0
        act_text = f"{a}×{act_cost} ({act_name})"
        extra_bias = False
    params = formulas.recurrent_params(a, i, gates=g, extra_bias=extra_bias)
    if not cell.use_bias:
        params -= g * a
    macs = g * a * (i + a)
    return params, macs, 2 * macs, act, other, act_text, g, known, kind


def _rnn(layer, op, ctx) -> Cost:
    steps = _time_steps(op, ctx, type(layer).__name__)
    i = op.input_shapes[0][-1]
    params, macs, compute, act, other, act_text, g, known, kind = _rnn_step(layer.cell, i, ctx)
    a = layer.cell.units
    gf = f"{g}×" if g > 1 else ""
    pf = (
        f"{gf}[{a}×({a}+{i}) + {a}]"
        + (" + extra biases" if params != formulas.recurrent_params(a, i, gates=g) else "")
        + f" = {params}"
    )
    step = compute + act + other
    ff = (
        f"{steps} steps × (2×{g * a}×({i}+{a}) + {act_text}"
        + (f" + {other} (element-wise)" if other else "")
        + f") = {steps}×{step} = {steps * step}"
    )
    cost = Cost(
        params,
        pf,
        steps * macs,
        steps * compute,
        steps * act,
        steps * other,
        ff,
        note=f"{kind}: {step} FLOPs per time step",
    )
    if not known:
        cost.counted = False
        cost.note = "an activation of this cell has no FLOPs rule in the convention"
    return cost


def _bidirectional(layer, op, ctx) -> Cost:
    fwd = _rnn(layer.forward_layer, op, ctx)
    bwd = _rnn(layer.backward_layer, op, ctx)
    assert fwd.params is not None and bwd.params is not None  # _rnn always counts them
    n = _n(op.output_shapes[0])
    merge_flops = {"sum": 1, "mul": 1, "ave": 2}.get(layer.merge_mode, 0) * n
    params = fwd.params + bwd.params
    return Cost(
        params,
        f"{fwd.params} (forward) + {bwd.params} (backward) = {params}",
        fwd.macs + bwd.macs,
        fwd.compute + bwd.compute,
        fwd.activation + bwd.activation,
        fwd.other + bwd.other + merge_flops,
        f"{fwd.flops} (forward) + {bwd.flops} (backward) + {merge_flops} ({layer.merge_mode} merge)"
        f" = {fwd.flops + bwd.flops + merge_flops}",
        counted=fwd.counted and bwd.counted,
    )


def _time_distributed(layer, op, ctx) -> Cost:
    from nncost.graph import Op

    steps = _time_steps(op, ctx, "TimeDistributed")
    inner_op = Op(
        layer.layer,
        op.name,
        op.depth,
        op.inputs,
        op.outputs,
        [s[1:] for s in op.input_shapes],
        [s[1:] for s in op.output_shapes],
    )
    inner = layer_cost(layer.layer, inner_op, ctx)
    return Cost(
        inner.params,
        inner.params_formula,
        steps * inner.macs,
        steps * inner.compute,
        steps * inner.activation,
        steps * inner.other,
        f"{steps} steps × ({inner.flops_formula})",
        counted=inner.counted,
    )


def _rules():
    from keras.src.applications.convnext import LayerScale
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer
    from keras.src.ops import numpy as knp

    free = (
        L.InputLayer,
        L.Flatten,
        L.Reshape,
        L.Permute,
        L.RepeatVector,
        L.Dropout,
        L.SpatialDropout1D,
        L.SpatialDropout2D,
        L.SpatialDropout3D,
        L.GaussianNoise,
        L.GaussianDropout,
        L.AlphaDropout,
        L.ActivityRegularization,
        L.ZeroPadding1D,
        L.ZeroPadding2D,
        L.ZeroPadding3D,
        L.Cropping1D,
        L.Cropping2D,
        L.Cropping3D,
        L.Identity,
        L.Masking,
    )
    return [
        (L.Dense, _dense),
        ((L.DepthwiseConv1D, L.DepthwiseConv2D), _depthwise),
        ((L.SeparableConv1D, L.SeparableConv2D), _separable),
        ((L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose), _transpose),
        ((L.Conv1D, L.Conv2D, L.Conv3D), _conv),
        (tuple(getattr(L, name) for name in formulas.POOLING_LAYERS), _pool),
        (
            (
                L.GlobalMaxPooling1D,
                L.GlobalMaxPooling2D,
                L.GlobalMaxPooling3D,
                L.GlobalAveragePooling1D,
                L.GlobalAveragePooling2D,
                L.GlobalAveragePooling3D,
            ),
            _global_pool,
        ),
        (L.BatchNormalization, _batchnorm),
        (
            (L.LayerNormalization, L.GroupNormalization, L.UnitNormalization),
            _per_element("layernorm_flops_per_element", "normalize"),
        ),
        (
            (L.Rescaling, L.Normalization),
            _per_element("rescaling_flops_per_element", "x·scale + offset"),
        ),
        ((L.Activation, L.ReLU, L.LeakyReLU, L.ELU, L.PReLU, L.Softmax), _activation_layer),
        (
            (L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum, L.Concatenate, L.Dot),
            _merge,
        ),
        (
            (
                knp.Add,
                knp.Subtract,
                knp.Multiply,
                knp.Divide,
                knp.TrueDivide,
                knp.Maximum,
                knp.Minimum,
            ),
            _elementwise_op,
        ),
        ((LayerScale, CustomScaleLayer), _layer_scale),
        (L.Bidirectional, _bidirectional),
        (L.TimeDistributed, _time_distributed),
        ((L.SimpleRNN, L.LSTM, L.GRU), _rnn),
        (L.Embedding, _embedding),
        ((L.UpSampling1D, L.UpSampling2D, L.UpSampling3D), _upsampling),
        (free, _free),
    ]


_RULES = None


def layer_cost(layer, op, ctx: Context) -> Cost:
    """The cost of one op; a layer with no rule comes back ``counted=False``."""
    global _RULES
    if _RULES is None:
        _RULES = _rules()
    for classes, rule in _RULES:
        if isinstance(layer, classes):
            return rule(layer, op, ctx)
    return Cost(
        None,
        "",
        counted=False,
        note=f"no FLOPs rule for {type(layer).__name__}; its FLOPs are not in the total",
    )
