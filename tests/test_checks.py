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

from nncost import checks, course

CheckFailed = checks.CheckFailed
L = keras.layers
ACT = {"linear": 0, "relu": 1, "sigmoid": 1, "tanh": 1, "softmax": 6}


@pytest.fixture(scope="module")
def models():
    return {
        "q1": course.q1(),
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
    assert dense_compute(models["q1"], activation=False)[1] == 110
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


NOTEBOOK_CODE = '''
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
'''


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
    assert type(model.layers[0]).__name__ == "InputLayer"
    checks.check_model(model, "q1")
    checks.check_layer_params([30, 30, 6], model)  # 5·5 + 5, 5·5 + 5, 5·1 + 1
    checks.check_shapes([(5,), (5,), (1,)], model)
