"""nncost.formulas: each expectation is worked out by hand in the test."""

import pytest

from nncost import formulas as F


def test_dense_params_and_flops_q1_layers():
    # 5 inputs → 5 units: 5·5 weights + 5 biases
    assert F.dense_params(5, 5) == 5 * 5 + 5 == 30
    assert F.dense_params(5, 1) == 5 * 1 + 1 == 6
    assert F.dense_params(5, 1, bias=False) == 5
    # 2·in·out + out·a with relu a = 1
    assert F.dense_flops(5, 5, activation_flops=1) == 2 * 5 * 5 + 5 * 1 == 55
    # softmax a = 6 on 3 outputs from 6 inputs
    assert F.dense_flops(6, 3, activation_flops=6) == 2 * 6 * 3 + 3 * 6 == 54


@pytest.mark.parametrize(
    "n, k, s, padding, d, expected",
    [
        (28, 3, 1, "valid", 1, 26),  # 28 - 3 + 1
        (13, 3, 1, "valid", 1, 11),
        (200, 3, 2, "same", 1, 100),  # ceil(200 / 2)
        (75, 3, 2, "same", 1, 38),  # ceil(75 / 2) = 38
        (11, 2, 2, "valid", 1, 5),  # floor((11 - 2) / 2) + 1 = 5
        (10, 3, 1, "valid", 2, 6),  # effective kernel 2·(3-1)+1 = 5: 10 - 5 + 1
        (7, 3, 2, "valid", 1, 3),  # floor((7 - 3) / 2) + 1
    ],
)
def test_conv_output_length(n, k, s, padding, d, expected):
    assert F.conv_output_length(n, k, stride=s, padding=padding, dilation=d) == expected


def test_conv_output_shape_3d():
    # Q5: (16, 64, 64) with a 3×3×3 kernel, valid → (14, 62, 62)
    assert F.conv_output_shape((16, 64, 64), (3, 3, 3)) == (14, 62, 62)


def test_conv_output_length_errors_name_the_fix():
    with pytest.raises(ValueError, match="padding='same'"):
        F.conv_output_length(2, 3)
    with pytest.raises(ValueError, match="'valid' or 'same'"):
        F.conv_output_length(8, 3, padding="full")
    with pytest.raises(ValueError, match="stride must be a positive"):
        F.conv_output_length(8, 3, stride=0)


def test_conv_params_1d_2d_3d_and_groups():
    assert F.conv_params((3,), 4, 8) == 3 * 4 * 8 + 8 == 104
    assert F.conv_params((3, 3), 32, 64) == 3 * 3 * 32 * 64 + 64 == 18496
    assert F.conv_params((3, 3, 3), 32, 64) == 27 * 32 * 64 + 64 == 55360
    # groups=4: each filter sees 16/4 = 4 input channels
    assert F.conv_params((3, 3), 16, 8, groups=4) == 3 * 3 * 4 * 8 + 8 == 296
    with pytest.raises(ValueError, match="must divide"):
        F.conv_params((3, 3), 10, 8, groups=4)


def test_conv_flops_course_rule():
    out = 11 * 11 * 64  # Q3's second convolution: 7744 output elements
    assert F.conv_macs((3, 3), 32, out) == 9 * 32 * 7744 == 2230272
    assert F.conv_flops((3, 3), 32, out, activation_flops=1) == 2 * 2230272 + 7744 == 4468288


def test_depthwise_params():
    # 3×3 kernel per channel, 32 channels, multiplier 1, bias per channel
    assert F.depthwise_conv_params((3, 3), 32) == 9 * 32 + 32 == 320
    assert F.depthwise_conv_params((3, 3), 8, depth_multiplier=2, bias=False) == 9 * 16


def test_separable_params():
    # depthwise 3×3 per input channel (4), pointwise 4→6, 6 biases
    assert F.separable_conv_params((3, 3), 4, 6) == 9 * 4 + 4 * 6 + 6 == 66
    assert F.separable_conv_params((3, 3), 4, 6, depth_multiplier=2, bias=False) == 9 * 8 + 8 * 6


def test_pooling():
    assert F.pool_output_length(26, 2) == 13
    assert F.pool_output_length(30, 2, stride=2) == 15
    # one FLOP per window value per output: 2·2 window, 13·13·32 outputs
    assert F.pooling_flops((2, 2), 13 * 13 * 32) == 4 * 5408 == 21632


def test_recurrent_params_match_the_seed_formula():
    # g × [a(a+i) + a]
    assert F.recurrent_params(3, 4) == 1 * (3 * (3 + 4) + 3) == 24
    assert F.recurrent_params(3, 4, gates=4) == 4 * (3 * 7 + 3) == 96
    assert F.recurrent_params(3, 4, gates=3) == 3 * 24 == 72
    # Keras' GRU default (reset_after=True) has a second bias of 3a
    assert F.recurrent_params(3, 4, gates=3, extra_bias=True) == 72 + 9 == 81


def test_recurrent_step_flops():
    # SimpleRNN: dense on [x, h]: 2·a·(i+a) + a·act
    assert F.simple_rnn_step_flops(3, 4) == 2 * 3 * 7 + 3 == 45
    # LSTM: 8a(i+a) + 3a·σ + 2a·tanh + 4a
    assert F.lstm_step_flops(3, 4) == 8 * 3 * 7 + 9 + 6 + 12 == 195
    # GRU: 6a(i+a) + 2a·σ + a·tanh + (4a + a + a)
    assert F.gru_step_flops(3, 4) == 6 * 3 * 7 + 6 + 3 + 18 == 153
    assert F.gru_step_flops(3, 4, reset_after=False) == 126 + 6 + 3 + 15 == 150


def test_model_size_and_inference_time():
    assert F.model_size_bytes(66) == 66 * 4 == 264
    assert F.model_size_bytes(66, bytes_per_param=2) == 132
    assert F.KB == 1024
    assert F.inference_time(121, 1e9) == pytest.approx(121 / 1_000_000_000)
    assert F.inference_time(1000, 2e9) == pytest.approx(5e-7)


@pytest.mark.parametrize("rate", [0, -1e9, float("nan"), float("inf"), "fast", True])
def test_inference_time_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match="1e9 for a 1 GFLOPS"):
        F.inference_time(100, rate)


def test_doctests():
    import doctest

    assert doctest.testmod(F).failed == 0
