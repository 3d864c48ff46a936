"""nncost.checks: a right answer passes; each typical mistake gets a message that names it.

The wrong answers are built by hand from the right ones, with the arithmetic written out.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import numpy as np
import pytest

from nncost import checks, course, hints
from tests import fresh

CheckFailed = checks.CheckFailed
L = keras.layers
ACT = {"linear": 0, "relu": 1, "sigmoid": 1, "tanh": 1, "softmax": 6}


@pytest.fixture(scope="module")
def models():
    return {
        "q1": course.q1(),
        "q3": course.q3(),
        "q4": course.q4(),
        "q5": course.q5(),
        "q6": course.q6(),
        "q7": course.q7(5),
    }


def dense_compute(model, *, bias=True, activation=True):
    params = flops = 0
    for layer in model.layers:
        n_in, n_out = layer.input.shape[-1], layer.units
        params += n_in * n_out + (n_out if bias else 0)
        flops += 2 * n_in * n_out + (n_out * ACT[layer.activation.__name__] if activation else 0)
    return params, flops


def fails(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- check_model
def test_check_model_accepts_the_question_and_names_relu_for_sigmoid(models, capsys):
    checks.check_model(models["q1"], "q1")
    assert capsys.readouterr().out.startswith("✓")
    relu_out = keras.Sequential(
        [
            keras.Input((5,)),
            L.Dense(5, activation="relu"),
            L.Dense(5, activation="relu"),
            L.Dense(1, activation="relu"),
        ]
    )
    msg = fails(checks.check_model, relu_out, "q1")
    assert "output layer uses activation 'relu'" in msg and "'sigmoid'" in msg


def test_check_model_names_a_wrong_input_size_and_missing_layers():
    wrong_in = keras.Sequential(
        [
            keras.Input((4,)),
            L.Dense(5, activation="relu"),
            L.Dense(5, activation="relu"),
            L.Dense(1, activation="sigmoid"),
        ]
    )
    assert "keras.Input((5,))" in fails(checks.check_model, wrong_in, "q1")
    short = keras.Sequential([keras.Input((5,)), L.Dense(1, activation="sigmoid")])
    assert "Dense, Dense, Dense" in fails(checks.check_model, short, "q1")


def test_check_model_explains_where_the_sigmoid_of_question_6_goes():
    # the seed put sigmoid inside the SimpleRNN; the course's model keeps tanh there
    seed_style = keras.Sequential(
        [
            keras.Input((5, 4)),
            L.SimpleRNN(3, activation="sigmoid"),
            L.Dense(2, activation="sigmoid"),
        ]
    )
    msg = fails(checks.check_model, seed_style, "q6")
    assert "default activation (tanh)" in msg and "Dense output layer" in msg


def test_check_model_rejects_what_is_not_a_model():
    assert "Keras model" in fails(checks.check_model, "model", "q1")


# --------------------------------------------------------------------------- check_compute
def test_check_compute_passes_a_right_function(models, capsys):
    checks.check_compute(dense_compute, models["q1"])
    assert "✓" in capsys.readouterr().out


def test_check_compute_names_the_forgotten_bias(models):
    # Q1 without biases: 5·5 + 5·5 + 5·1 = 55 instead of 66
    msg = fails(checks.check_compute, lambda m: dense_compute(m, bias=False), models["q1"])
    assert "55 parameters" in msg and "forgot the bias" in msg


def test_check_compute_names_the_forgotten_activation_flops(models):
    # Q1 FLOPs without activations: 2·5·5 + 2·5·5 + 2·5·1 = 110 instead of 121
    assert "forgot the activation FLOPs" in fails(checks.check_flops, 110, models["q1"])
    msg = fails(checks.check_compute, lambda m: dense_compute(m, activation=False), models["q1"])
    assert "forgot the activation FLOPs" in msg


def test_check_compute_catches_a_hard_coded_answer(models):
    # right for Q1 (66 params, 121 FLOPs) but not for the small probe model it has not seen
    msg = fails(checks.check_compute, lambda m: (66, 121), models["q1"])
    assert "a small test model" in msg


def test_check_compute_refuses_to_ask_keras_for_the_answer(models):
    def asks(model):
        return model.count_params(), dense_compute(model)[1]

    def helper(model):
        return asks(model)  # the forbidden call hides in a helper function

    assert "count_params" in fails(checks.check_compute, asks, models["q1"])
    assert "count_params" in fails(checks.check_compute, helper, models["q1"])


def test_check_compute_asks_for_plain_ints(models):
    msg = fails(checks.check_compute, lambda m: (np.int64(66), 121), models["q1"])
    assert "int(...)" in msg
    assert "float" in fails(checks.check_compute, lambda m: (66.0, 121), models["q1"])
    assert "(params, flops)" in fails(checks.check_compute, lambda m: 66, models["q1"])


def test_check_compute_says_when_compute_is_not_written(models):
    def stub(model):
        raise NotImplementedError()

    assert "not written yet" in fails(checks.check_compute, stub, models["q1"])


# --------------------------------------------------------------------------- recurrent
def test_counted_one_time_step_is_named(models):
    # Q7: LSTM 5 steps × 195 + Dense 7 = 982; one step only: 195 + 7 = 202
    assert "counted one time step" in fails(checks.check_flops, 195 + 7, models["q7"])
    checks.check_flops(5 * 195 + 7, models["q7"])


def test_step_flops_whole_sequence_and_missing_elementwise(models):
    # Q7 one LSTM step: 2·4·3·(4+3) + 3·3·1 + 2·3·1 + 4·3 = 168 + 9 + 6 + 12 = 195
    checks.check_step_flops(195, models["q7"])
    assert "whole sequence" in fails(checks.check_step_flops, 5 * 195, models["q7"])
    assert "element-wise" in fails(checks.check_step_flops, 195 - 12, models["q7"])
    # Q6 one SimpleRNN step: 2·3·(4+3) + 3·1 = 45; without tanh: 42
    checks.check_step_flops(45, models["q6"])
    assert "activation" in fails(checks.check_step_flops, 42, models["q6"])


# --------------------------------------------------------------------------- size and time
def test_check_size_names_bytes_for_kb_and_1000_for_1024(models, capsys):
    # Q1: 66 params × 4 = 264 bytes = 264 / 1024 = 0.2578125 KB
    checks.check_size(264, 0.2578125, models["q1"])
    assert "✓" in capsys.readouterr().out
    assert "bytes again" in fails(checks.check_size, 264, 264, models["q1"])
    assert "1024 bytes, not 1000" in fails(checks.check_size, 264, 0.264, models["q1"])
    assert "4 bytes" in fails(checks.check_size, 66, 66 / 1024, models["q1"])
    assert "rounded" in fails(checks.check_size, 264, 0.26, models["q1"])


def test_check_time_names_the_unit(models):
    # Q1: 121 FLOPs / 1e9 FLOPS = 1.21e-07 s
    checks.check_time(1.21e-07, models["q1"])
    assert "milliseconds" in fails(checks.check_time, 1.21e-04, models["q1"])
    assert "not the parameters" in fails(checks.check_time, 66 / 1e9, models["q1"])
    # FLOPs without activations, 110, divided right: the formula is right, the FLOPs are not
    assert "activation" in fails(checks.check_time, 110 / 1e9, models["q1"])


# --------------------------------------------------------------------------- shapes and layers
def test_check_shapes_names_rounding_up_and_the_batch_axis(models):
    # Q4: 32-3+1 = 30; floor((30-2)/2)+1 = 15; 15-3+1 = 13; floor((13-2)/2)+1 = 6; 6·6·64 = 2304
    right = [(30, 30, 32), (15, 15, 32), (13, 13, 64), (6, 6, 64), (2304,), (64,), (10,)]
    checks.check_shapes(right, models["q4"])
    rounded_up = right[:3] + [(7, 7, 64), (3136,)] + right[5:]
    assert "rounds down" in fails(checks.check_shapes, rounded_up, models["q4"])
    no_shrink = [(32, 32, 32)] + right[1:]
    assert "n − k + 1" in fails(checks.check_shapes, no_shrink, models["q4"])
    assert "batch axis" in fails(
        checks.check_shapes, [(None, 30, 30, 32)] + right[1:], models["q4"]
    )
    assert "7 layers" in fails(checks.check_shapes, right[:-1], models["q4"])


def test_check_layer_params_names_the_bias_and_the_input_channels(models):
    # Q5: (27·1+1)·32 = 896; (27·32+1)·64 = 55360; 25088·128+128 = 3211392; 128·5+5 = 645
    right = [896, 0, 55360, 0, 0, 3211392, 645]
    checks.check_layer_params(right, models["q5"])
    assert "forgot the bias" in fails(checks.check_layer_params, [864] + right[1:], models["q5"])
    # second Conv3D without C_in: (27·1+1)·64 = 1792
    no_cin = right[:2] + [27 * 64 + 64] + right[3:]
    assert "input channel" in fails(checks.check_layer_params, no_cin, models["q5"])
    assert "0 parameters" in fails(checks.check_layer_params, [896, 5] + right[2:], models["q5"])


NOTEBOOK_CODE = """
import nncost
class LayerCost:
    def __init__(self, layer):
        self.weights = layer.units * (layer.input.shape[-1] + 1)  # the student's own attribute
    def total(self):
        return self.weights
def profile(layer):  # the student's own helper, named like nncost's
    return LayerCost(layer).total()
def honest(model):
    return sum(profile(layer) for layer in model.layers), 0
def asks_keras(model):
    return model.count_params(), 0
def asks_nncost(model):
    return nncost.profile(model).params, 0
class Helper:
    def count(self, model):
        return model.count_params()
def asks_through_a_method(model):
    return Helper().count(model), 0
def _make():
    def inner(model):
        return sum(layer.count_params() for layer in model.layers), 0
    return inner
asks_through_a_closure = _make()
"""


@pytest.mark.parametrize(
    "name, refused",
    [
        ("honest", []),  # own `profile` helper and own `.weights` attribute: the student's
        ("asks_keras", ["count_params"]),
        ("asks_nncost", ["nncost", "profile"]),
        ("asks_through_a_method", ["count_params"]),
        ("asks_through_a_closure", ["count_params"]),
    ],
)
def test_names_used_tells_the_students_own_names_from_the_librarys(name, refused):
    namespace = {"__name__": "__main__"}  # as in a notebook's kernel
    exec(compile(NOTEBOOK_CODE, "<notebook>", "exec"), namespace)  # noqa: S102
    assert sorted(checks.names_used(namespace[name]) & set(checks.FORBIDDEN_NAMES)) == refused


def test_a_functional_model_is_checked_like_the_sequential_one():
    """keras.Model(inputs, outputs) lists an InputLayer first; the checks leave it out, as
    the conventions do: the right functional model of question 1 passes, with 3 layers."""
    inputs = keras.Input((5,))
    x = keras.layers.Dense(5, activation="relu")(inputs)
    x = keras.layers.Dense(5, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    assert isinstance(model.layers[0], keras.layers.InputLayer)
    checks.check_model(model, "q1")
    checks.check_layer_params([30, 30, 6], model)  # 5·5 + 5, 5·5 + 5, 5·1 + 1
    checks.check_shapes([(5,), (5,), (1,)], model)


# --------------------------------------------------------------------------- one layer's slip
def rnn_compute(model, *, rnn_bias=True, dense=True):
    """(params, FLOPs) of a SimpleRNN → Dense model under the course's rules, written by hand."""
    rnn, out = checks._layers(model)
    steps, n_x = rnn.input.shape[1:]
    a, n_y = rnn.units, out.units
    params = a * n_x + a * a + (a if rnn_bias else 0) + ((a * n_y + n_y) if dense else 0)
    flops = steps * (2 * a * (n_x + a) + a) + ((2 * a * n_y + n_y) if dense else 0)
    return params, flops


def test_a_bias_left_out_of_the_recurrent_layer_only_is_named(models, capsys):
    # Q6: SimpleRNN 4·3 + 3·3 + 3 = 24, Dense 3·2 + 2 = 8: 32 params; without the RNN's bias 29
    checks.check_compute(rnn_compute, models["q6"])
    assert "✓" in capsys.readouterr().out
    msg = fails(checks.check_compute, lambda m: rnn_compute(m, rnn_bias=False), models["q6"])
    assert "29 parameters" in msg and "forgot the bias of layer 1 (SimpleRNN)" in msg


def test_a_layer_left_out_of_the_total_is_named(models):
    # Q6 FLOPs: SimpleRNN 5 steps × (2·3·(4+3) + 3·1) = 5 × 45 = 225; Dense 2·3·2 + 2·1 = 14
    checks.check_flops(225 + 14, models["q6"])
    assert "you left out layer 2 (Dense)" in fails(checks.check_flops, 225, models["q6"])
    msg = fails(checks.check_compute, lambda m: rnn_compute(m, dense=False), models["q6"])
    assert "24 parameters" in msg and "you left out layer 2 (Dense)" in msg


@pytest.mark.parametrize(
    ("flops", "named"),
    [
        (239 - 5 * 3, "activation FLOPs of layer 1 (SimpleRNN)"),  # tanh: 3 per step, 5 steps
        (239 - 2 * 1, "activation FLOPs of layer 2 (Dense)"),  # two sigmoid outputs
        (239 - 15 - 2, "you forgot the activation FLOPs:"),  # both layers: the old message
        (239 + 2, "separate bias FLOP in layer 2 (Dense)"),  # 2 outputs, one bias add each
    ],
)
def test_activation_flops_forgotten_in_one_layer_are_named(models, flops, named):
    assert named in fails(checks.check_flops, flops, models["q6"])


def test_two_layers_that_cost_the_same_are_named_together(models):
    # Q1: each relu layer has 5 outputs, 1 FLOP each; the sigmoid layer 1 output
    msg = fails(checks.check_flops, 121 - 5, models["q1"])
    assert "activation FLOPs of layer 1 (Dense) or layer 2 (Dense)" in msg
    assert "of layer 3 (Dense)" in fails(checks.check_flops, 121 - 1, models["q1"])


# Q3 (MNIST CNN), layer by layer:
#   1 conv  26·26·32 = 21,632 outputs: 2·(3·3·1)·21,632 + 21,632 (relu) = 411,008
#   2 pool  13·13·32 = 5,408 outputs × 2·2 = 21,632
#   3 conv  11·11·64 = 7,744 outputs: 2·(3·3·32)·7,744 + 7,744 = 4,460,544 + 7,744 = 4,468,288
#   4 pool  5·5·64 = 1,600 outputs × 2·2 = 6,400
#   5 flatten 0;  6 dense 2·1,600·64 + 64 = 204,864;  7 dense 2·64·10 + 10·6 = 1,340
Q3_FLOPS = 411_008 + 21_632 + 4_468_288 + 6_400 + 0 + 204_864 + 1_340  # 5,113,532


@pytest.mark.parametrize(
    ("flops", "named"),
    [
        (Q3_FLOPS - 1_340, "you left out layer 7 (Dense)"),
        (Q3_FLOPS - 6_400, "you forgot layer 4 (MaxPooling2D)"),
        (Q3_FLOPS - 21_632 - 6_400, "you forgot the pooling layers"),
        (Q3_FLOPS + 10, "separate bias FLOP in layer 7 (Dense)"),
        # layer 3 without C_in: 2·9·7,744 = 139,392 instead of 4,460,544
        (Q3_FLOPS - 4_460_544 + 139_392, "every input channel in layer 3 (Conv2D)"),
        # softmax counted 1 per output, not 6: 10 outputs × 5
        (Q3_FLOPS - 50, "softmax costs 6 FLOPs per output"),
    ],
)
def test_each_slip_in_one_cnn_layer_is_named(flops, named):
    assert named in fails(checks.check_flops, flops, course.q3())


def test_a_slip_that_two_layers_explain_names_both():
    # 21,632 is both the relu FLOPs of layer 1 and the FLOPs of pooling layer 2
    msg = fails(checks.check_flops, Q3_FLOPS - 21_632, course.q3())
    assert msg.startswith("flops: one of these slips")
    assert "activation FLOPs of layer 1 (Conv2D)" in msg and "layer 2 (MaxPooling2D)" in msg


def test_check_size_names_the_layer_whose_bias_is_missing(models):
    # Q7: LSTM 4·(3·(3+4) + 3) = 4·24 = 96 (bias 4·3 = 12), Dense 3·1 + 1 = 4: 100 params
    checks.check_size(4 * 100, 4 * 100 / 1024, models["q7"])
    msg = fails(checks.check_size, 4 * (100 - 12), 4 * 88 / 1024, models["q7"])
    assert "params × 4 is right" in msg and "forgot the bias of layer 1 (LSTM)" in msg
    assert "you left out layer 2 (Dense)" in fails(checks.check_size, 4 * 96, 0.375, models["q7"])


@pytest.mark.parametrize(
    ("seconds", "named"),
    [
        (round(121 / 1e9, 6), "looks rounded"),  # 1.21e-07 rounded to 6 decimals is 0.0
        (1.2e-07, "looks rounded"),  # 2 significant digits
        (121 / 1e12, "not by 1e12"),
        (121 / 1e6, "not by 1e6"),  # also 1000 × the answer: milliseconds
        (121, "divide the FLOPs by the processor's FLOPS"),
    ],
)
def test_check_time_names_rounding_and_the_wrong_power_of_ten(models, seconds, named):
    # Q1: 121 FLOPs / 1e9 FLOPS = 1.21e-07 s
    assert named in fails(checks.check_time, seconds, models["q1"])


def test_check_time_names_the_layer_left_out_and_rounding_of_a_cnn():
    # Q3: 5,113,532 / 1e9 = 0.005113532 s
    checks.check_time(Q3_FLOPS / 1e9, course.q3())
    msg = fails(checks.check_time, (Q3_FLOPS - 1_340) / 1e9, course.q3())
    assert "the FLOPs are not" in msg and "you left out layer 7 (Dense)" in msg
    assert "looks rounded" in fails(checks.check_time, 0.005, course.q3())  # round(t, 3)
    assert "looks rounded" in fails(checks.check_time, 0.0051, course.q3())  # 2 digits


# --------------------------------------------------------------------------- the table of slips
# Q1: Dense 5 relu, Dense 5 relu, Dense 1 sigmoid on 5 inputs: 30 + 30 + 6 = 66 params;
#     FLOPs (2·5·5 + 5) + (2·5·5 + 5) + (2·5·1 + 1) = 55 + 55 + 11 = 121, MACs 25 + 25 + 5 = 55.
# Q6: SimpleRNN 3 (tanh) on 5 steps × 4, Dense 2 sigmoid: params 4·3 + 3·3 + 3 = 24 and 8;
#     FLOPs 5 × (2·3·(4+3) + 3) = 5 × 45 = 225 and 2·3·2 + 2 = 14: 239.
# Q7: LSTM 3 on 5 steps × 4, Dense 1 sigmoid: params 4·(3·(3+4) + 3) = 96 and 4;
#     one step 2·4·3·(4+3) + 3·3·1 + 2·3·1 + 4·3 = 168 + 9 + 6 + 12 = 195 (84 MACs);
#     FLOPs 5 × 195 + (2·3·1 + 1) = 975 + 7 = 982.
# Q3: params 320, 0, 18,496, 0, 0, 102,464, 650 (conv 2: (3·3·32 + 1)·64); FLOPs Q3_FLOPS above.
SLIP_CASES = {
    "bias": (
        checks.check_layer_params,
        [25, 30, 6],
        "q1",  # layer 1: 5·5 without its 5 biases
        (
            "you forgot the bias: every unit (or filter) has one bias as well as its weights, "
            "in·out + out"
        ),
    ),
    "gates": (
        checks.check_layer_params,
        [24, 4],
        "q7",  # one gate: 3·(3+4) + 3 = 24, not 96
        "an LSTM has four gates: g = 4, each with its own W, U and b: g × [a(a + i) + a]",
    ),
    "recurrent U": (
        checks.check_layer_params,
        [15, 8],
        "q6",  # 24 − 3·3 = 15
        (
            "you forgot the recurrent weights U: a × a per gate, the previous hidden state "
            "feeds every gate"
        ),
    ),
    "C_in params": (
        checks.check_layer_params,
        [320, 0, 640, 0, 0, 102_464, 650],
        "q3",
        # conv 2 without C_in: (3·3 + 1)·64 = 640, not (3·3·32 + 1)·64 = 18,496
        "a filter spans every input channel: k_h × k_w × C_in weights per filter",
    ),
    "layer left out of params": (
        checks.check_size,
        4 * 96,
        4 * 96 / 1024,
        "q7",  # 100 − 4
        "you left out layer 2 (Dense): the total adds up the parameters of every layer",
    ),
    "activation": (
        checks.check_flops,
        239 - 5 * 3,
        "q6",  # tanh: 3 per step, 5 steps
        (
            "you forgot the activation FLOPs of layer 1 (SimpleRNN): every output value also "
            "goes through its activation, out × a (relu, sigmoid, tanh 1; softmax 6)"
        ),
    ),
    "softmax": (
        checks.check_flops,
        Q3_FLOPS - 10 * 5,
        "q3",  # 10 outputs × (6 − 1)
        "softmax costs 6 FLOPs per output in the course's table, not 1 in layer 7 (Dense): out × 6",
    ),
    "multiply-add": (
        checks.check_flops,
        121 - 55,
        "q1",  # 1 FLOP per MAC: 121 − 55 = 66
        (
            "a multiply-add is 2 FLOPs: the weight part is 2·in·out (2 × MACs), you counted 1 "
            "per weight"
        ),
    ),
    "pooling": (
        checks.check_flops,
        Q3_FLOPS - 21_632 - 6_400,
        "q3",  # both pooling layers
        (
            "you forgot the pooling layers: max pooling reads every value of its window, "
            "prod(pool) × (output elements) FLOPs"
        ),
    ),
    "bias FLOP": (
        checks.check_flops,
        239 + 2,
        "q6",  # Dense: 2 outputs, one bias add each
        (
            "you added a separate bias FLOP in layer 2 (Dense): the course folds the bias add "
            "into 2·in·out"
        ),
    ),
    "one time step": (
        checks.check_flops,
        195 + 7,
        "q7",
        (
            "you counted one time step in layer 1 (LSTM): a recurrent layer runs its step T "
            "times, once per element of the sequence"
        ),
    ),
    "element-wise": (
        checks.check_flops,
        982 - 5 * 12,
        "q7",  # 4a = 12 per step, 5 steps
        (
            "you left out the LSTM's element-wise work in layer 1 (LSTM): 4a per step: "
            "c = f⊙c + i⊙g is 3a, h = o⊙tanh(c) is a"
        ),
    ),
    "C_in FLOPs": (
        checks.check_flops,
        Q3_FLOPS - 4_460_544 + 139_392,
        "q3",  # 2·9·7,744
        "a filter spans every input channel in layer 3 (Conv2D): multiply the kernel size by C_in",
    ),
    "layer left out of FLOPs": (
        checks.check_flops,
        225,
        "q6",  # 239 − 14
        (
            "you left out layer 2 (Dense): the total adds up the FLOPs of every layer, pooling "
            "and recurrent layers included"
        ),
    ),
    "step activation": (
        checks.check_step_flops,
        45 - 3,
        "q6",  # 2·3·(4+3) = 42, no tanh
        (
            "you forgot the activation FLOPs of the step: a × act for SimpleRNN; "
            "3a·σ + 2a·tanh for LSTM"
        ),
    ),
    "step multiply-add": (
        checks.check_step_flops,
        195 - 84,
        "q7",  # 84 MACs counted once
        "a multiply-add is 2 FLOPs: 2·g·a·(i + a), not g·a·(i + a)",
    ),
    "step element-wise": (
        checks.check_step_flops,
        195 - 12,
        "q7",
        "you left out the LSTM's element-wise work: 4a per step",
    ),
}


@pytest.mark.parametrize("case", list(SLIP_CASES))
def test_each_slip_of_the_table_is_named_word_for_word(models, case):
    check, *answers, question, says = SLIP_CASES[case]
    assert says in fails(check, *answers, models[question])


def test_every_slip_of_the_table_has_a_case_above():
    """A slip added to nncost.checks' table without a case here fails: each slip's rule (its
    ``why``) is in the words a case above expects, word for word."""
    expected = " ".join(case[-1] for case in SLIP_CASES.values())
    missing = [slip.say for slip in checks._SLIPS if slip.why not in expected]
    assert not missing


def test_every_kind_in_the_table_of_slips_is_a_keras_layer():
    """The table names kinds of layer by their keras.layers class (a misspelt one would only
    fail when a student's check reached it)."""
    kinds = {kind for slip in checks._SLIPS for kind in (*slip.kinds, *slip.but)}
    assert {"Dense", "Conv2D", "LSTM", "MaxPooling2D"} <= kinds
    for kind in kinds:
        assert issubclass(getattr(keras.layers, kind), keras.layers.Layer), kind


# --------------------------------------------------------------------------- layer classes
class MyDense(keras.layers.Dense):
    """A student's own layer class: a subclass of Dense is checked as a Dense."""


class MyConv2D(keras.layers.Conv2D):
    pass


class MyLSTM(keras.layers.LSTM):
    pass


def test_a_subclass_of_dense_is_checked_as_a_dense_and_named_by_its_class():
    q1 = keras.Sequential(
        [
            keras.Input((5,)),
            MyDense(5, activation="relu"),
            MyDense(5, activation="relu"),
            MyDense(1, activation="sigmoid"),
        ]
    )
    checks.check_model(q1, "q1")
    checks.check_flops(121, q1)
    # one bias add in the sigmoid layer, 1 output: 121 + 1
    assert "separate bias FLOP in layer 3 (MyDense)" in fails(checks.check_flops, 122, q1)
    # 1 FLOP per multiply-add in layer 1: 121 − 5·5
    assert "2 FLOPs in layer 1 (MyDense)" in fails(checks.check_flops, 121 - 25, q1)


def test_a_subclass_of_conv2d_gets_the_convolution_hints():
    # Q4's first layers: Conv2D 32 3×3 on 32×32×3 → 30×30×32, MaxPooling 2×2 → 15×15×32
    model = keras.Sequential(
        [keras.Input((32, 32, 3)), MyConv2D(32, (3, 3)), keras.layers.MaxPooling2D((2, 2))]
    )
    checks.check_shapes([(30, 30, 32), (15, 15, 32)], model)
    assert "n − k + 1" in fails(checks.check_shapes, [(32, 32, 32), (15, 15, 32)], model)
    assert "one channel per filter" in fails(
        checks.check_shapes, [(30, 30, 3), (15, 15, 32)], model
    )
    # (3·3·3 + 1)·32 = 896; without C_in (3·3 + 1)·32 = 320
    checks.check_layer_params([896, 0], model)
    assert "every input channel" in fails(checks.check_layer_params, [320, 0], model)


def test_a_subclass_of_lstm_is_recurrent():
    # Q7 with MyLSTM: one step 195 FLOPs, 5 steps + Dense 7 = 982 (see the table above)
    q7 = keras.Sequential([keras.Input((5, 4)), MyLSTM(3), keras.layers.Dense(1, "sigmoid")])
    checks.check_step_flops(195, q7)
    assert "one time step in layer 1 (MyLSTM)" in fails(checks.check_flops, 195 + 7, q7)
    assert "four gates" in fails(checks.check_layer_params, [24, 4], q7)


def test_the_slips_of_a_layer_inside_a_nested_model_are_found():
    # inner model: Dense 4 relu on 5 inputs, 2·5·4 + 4 = 44; Dense 3 softmax, 2·4·3 + 3·6 = 42
    inner = keras.Sequential(
        [
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ],
        name="inner",
    )
    model = keras.Sequential([keras.Input((5,)), inner])
    checks.check_flops(44 + 42, model)
    # softmax counted 1 per output: 3 × 5 fewer
    msg = fails(checks.check_flops, 44 + 42 - 15, model)
    assert (
        "softmax costs 6 FLOPs per output in the course's table, not 1 in inner/out (Dense)" in msg
    )


def test_import_nncost_checks_leaves_keras_out():
    assert fresh.loaded("nncost.checks", ("keras", "tensorflow")) == []


# --------------------------------------------------------------------------- Keras 2 habits
def test_check_compute_names_the_keras_3_fix_for_input_shape(models):
    def keras2(model):
        return sum(layer.units * (layer.input_shape[-1] + 1) for layer in model.layers), 0

    msg = fails(checks.check_compute, keras2, models["q1"])
    assert "input_shape" in msg
    assert "Keras 3: use `layer.input.shape` / `layer.output.shape`" in msg


def test_check_compute_lets_other_attribute_errors_through(models):
    with pytest.raises(AttributeError, match="no_such_thing"):
        checks.check_compute(lambda m: m.layers[0].no_such_thing, models["q1"])


# --------------------------------------------------------------------------- nncost.hints
@pytest.fixture
def shell():
    """A real IPython shell (history in memory), removed again after the test."""
    import sys

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    hooks = sys.displayhook, sys.excepthook
    shell = InteractiveShell.instance(config=config, colors="nocolor")
    yield shell
    hints.uninstall(shell)
    InteractiveShell.clear_instance()
    sys.displayhook, sys.excepthook = hooks


def test_hints_adds_the_keras_3_fix_under_the_traceback_in_ipython(shell, capsys):
    assert hints.install(shell) is True
    result = shell.run_cell("import keras\nlayer = keras.layers.Dense(3)\nlayer.output_shape")
    shown = capsys.readouterr().out
    assert isinstance(result.error_in_exec, AttributeError)
    assert "Traceback" in shown and "'Dense' object has no attribute 'output_shape'" in shown
    assert "`output_shape` was Keras 2's" in shown
    assert "Keras 3: use `layer.input.shape` / `layer.output.shape`" in shown


def test_hints_leave_other_attribute_errors_as_they_were(shell, capsys):
    hints.install(shell)
    result = shell.run_cell("class Layer: pass\nLayer().units")
    shown = capsys.readouterr().out
    assert isinstance(result.error_in_exec, AttributeError)
    assert "'Layer' object has no attribute 'units'" in shown and "Keras 3" not in shown
    hints.uninstall(shell)
    shell.run_cell("Layer().input_shape")
    assert "Keras 3" not in capsys.readouterr().out  # uninstalled: the plain traceback


def test_hints_install_does_nothing_outside_ipython_and_stays_light():
    code = (
        "import sys, nncost, nncost.hints; "
        "print(nncost.hints.install(), [m for m in ('keras', 'tensorflow') if m in sys.modules])"
    )
    assert fresh.run(code) == "False []"


def test_keras2_hint_only_for_input_shape_and_output_shape():
    assert "`input_shape` was Keras 2's" in hints.keras2_hint(AttributeError("no 'input_shape'"))
    assert hints.keras2_hint(AttributeError("no attribute 'units'")) is None
    assert hints.keras2_hint(KeyError("output_shape")) is None
