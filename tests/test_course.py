"""The course's seven models and exercise 2: every number derived by hand here, then
compared with nncost and (parameters) with Keras' own count."""

import pytest

import nncost
from nncost import course


def _check_params_against_keras(model, report):
    assert report.params == model.count_params()
    by_name = {row.name: row for row in report.layers}
    for layer in model.layers:
        assert by_name[layer.name].params == layer.count_params(), layer.name


def test_q1_dense_sigmoid_output():
    m = course.q1()
    r = nncost.profile(m)
    # params: (5·5 + 5) + (5·5 + 5) + (5·1 + 1)
    assert r.params == 30 + 30 + 6 == 66
    # FLOPs: 2·in·out + out·a — relu 1, sigmoid 1
    assert r.flops == (2 * 25 + 5) + (2 * 25 + 5) + (2 * 5 + 1) == 121
    assert r.model_size_bytes == 66 * 4 == 264
    assert r.inference_time(1e9) == pytest.approx(121 / 1e9) == pytest.approx(1.21e-7)
    assert m.layers[-1].activation.__name__ == "sigmoid"
    # peak: the input (5) and a layer's output (5) alive together, 4 bytes each
    assert r.memory.peak_activation_bytes == (5 + 5) * 4 == 40
    assert r.memory.inference_peak_bytes == 264 + 40
    _check_params_against_keras(m, r)


def test_q2_dense_softmax_output():
    m = course.q2()
    r = nncost.profile(m)
    assert r.params == (4 * 9 + 9) + (9 * 6 + 6) + (6 * 3 + 3) == 126
    # softmax costs 6 per output: 3·6 = 18
    assert r.flops == (2 * 36 + 9) + (2 * 54 + 6) + (2 * 18 + 18) == 249
    assert r.model_size_bytes == 126 * 4 == 504
    _check_params_against_keras(m, r)


def test_q3_mnist_cnn():
    m = course.q3()
    r = nncost.profile(m)
    conv1 = 26 * 26 * 32  # 28 - 3 + 1 = 26
    pool1 = 13 * 13 * 32
    conv2 = 11 * 11 * 64  # 13 - 3 + 1 = 11
    pool2 = 5 * 5 * 64  # floor(11 / 2) = 5
    flops = [
        2 * 9 * 1 * conv1 + conv1,  # conv 3×3×1, relu
        4 * pool1,  # 2×2 window
        2 * 9 * 32 * conv2 + conv2,
        4 * pool2,
        0,  # flatten
        2 * 1600 * 64 + 64,
        2 * 64 * 10 + 6 * 10,
    ]
    assert [row.flops for row in r.layers] == flops
    assert r.flops == 5_113_532
    assert (
        r.params
        == (9 * 32 + 32) + (9 * 32 * 64 + 64) + (1600 * 64 + 64) + (64 * 10 + 10)
        == 121_930
    )
    assert r.layers[4].output_shape == (1600,)
    _check_params_against_keras(m, r)


def test_q4_cifar_cnn():
    m = course.q4()
    r = nncost.profile(m)
    conv1, pool1 = 30 * 30 * 32, 15 * 15 * 32
    conv2, pool2 = 13 * 13 * 64, 6 * 6 * 64  # floor(13 / 2) = 6
    assert r.params == (27 * 32 + 32) + (9 * 32 * 64 + 64) + (2304 * 64 + 64) + 650 == 167_562
    expected = (
        (2 * 27 * conv1 + conv1)
        + 4 * pool1
        + (2 * 9 * 32 * conv2 + conv2)
        + 4 * pool2
        + (2 * 2304 * 64 + 64)
        + (2 * 640 + 60)
    )
    assert r.flops == expected == 8_159_164
    _check_params_against_keras(m, r)


def test_q5_video_3dcnn_params_per_layer():
    m = course.q5()
    r = nncost.profile(m)
    params = [27 * 1 * 32 + 32, 0, 27 * 32 * 64 + 64, 0, 0, 25088 * 128 + 128, 128 * 5 + 5]
    assert [row.params for row in r.layers] == params == [896, 0, 55360, 0, 0, 3211392, 645]
    # The seed prints 3,230,853: wrong. Keras and the sum above agree on 3,268,293.
    assert r.params == sum(params) == 3_268_293 == m.count_params()
    conv1 = 14 * 62 * 62 * 32
    pool1 = 7 * 31 * 31 * 32
    conv2 = 5 * 29 * 29 * 64
    pool2 = 2 * 14 * 14 * 64
    assert r.layers[4].output_shape == (25088,) and pool2 == 25088
    expected = (
        (2 * 27 * conv1 + conv1)
        + 8 * pool1
        + (2 * 27 * 32 * conv2 + conv2)
        + 8 * pool2
        + (2 * 25088 * 128 + 128)
        + (2 * 128 * 5 + 6 * 5)
    )
    assert r.flops == expected == 568_371_422
    _check_params_against_keras(m, r)


def test_q6_simple_rnn():
    m = course.q6()
    r = nncost.profile(m)
    assert r.params == 3 * (3 + 4) + 3 + (3 * 2 + 2) == 32
    step = 2 * 3 * (4 + 3) + 3 * 1  # dense on [x, h] plus tanh
    assert r.layers[0].flops == 5 * step == 225
    assert r.flops == 225 + (2 * 3 * 2 + 2 * 1) == 239
    assert r.model_size_bytes == 128
    _check_params_against_keras(m, r)


def test_q7_lstm_needs_a_sequence_length():
    m = course.q7()
    with pytest.raises(nncost.NNCostError, match="seq_len=5"):
        nncost.profile(m)
    r = nncost.profile(m, seq_len=5)
    assert r.params == 4 * ((4 + 3) * 3 + 3) + 4 == 100
    step = 8 * 3 * 7 + 3 * 3 * 1 + 2 * 3 * 1 + 4 * 3
    assert step == 195
    assert r.flops == 5 * step + (2 * 3 + 1) == 982
    assert nncost.profile(course.q7(seq_len=5)).flops == 982
    _check_params_against_keras(m, r)


def test_exercise2_memory():
    m = course.exercise2()
    r = nncost.profile(m)
    outs = [100 * 150 * 100, 50 * 75 * 200, 25 * 38 * 400]  # ceil(n / 2) each time
    assert [row.output_elements for row in r.layers] == outs
    assert [row.params for row in r.layers] == [27 * 100 + 100, 900 * 200 + 200, 1800 * 400 + 400]
    assert r.params == 2800 + 180_200 + 720_400 == 903_400
    image = 200 * 300 * 3
    # largest pair alive together: layer 1's output and layer 2's output
    assert (
        r.memory.peak_activation_bytes
        == max(image + outs[0], outs[0] + outs[1], outs[1] + outs[2]) * 4
    )
    assert r.memory.peak_activation_bytes == 9_000_000
    assert r.memory.peak_tensors == (("conv_1", outs[0] * 4), ("conv_2", outs[1] * 4))
    assert "conv_1 6000000 + conv_2 3000000 = 9000000 bytes" in r.explain()
    assert r.memory.inference_peak_bytes == 903_400 * 4 + 9_000_000 == 12_613_600
    t = r.memory.training(50, "sgd")
    assert t.params_bytes == t.gradients_bytes == 3_613_600
    assert t.optimizer_bytes == 0
    assert t.activations_bytes == 50 * sum(outs) * 4 == 526_000_000
    assert t.input_bytes == 50 * image * 4 == 36_000_000
    assert t.total_bytes == 2 * 3_613_600 + 526_000_000 + 36_000_000
    assert r.memory.training(50, "adam").optimizer_bytes == 2 * 3_613_600
    assert r.memory.training(50, "momentum").optimizer_bytes == 3_613_600
    # batch size scales the live activations, not the parameters
    r50 = nncost.profile(m, batch_size=50)
    assert r50.memory.inference_peak_bytes == 3_613_600 + 50 * 9_000_000
    assert r50.flops == r.flops
