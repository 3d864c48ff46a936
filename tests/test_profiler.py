"""nncost.profile on graphs and layers beyond the course's: expectations by hand."""

import warnings

import numpy as np
import pytest

import nncost
from tests import fresh


def _rows(report):
    return {row.name: row for row in report.layers}


def test_functional_branches_and_liveness(keras, L):
    # input (8) → a: Dense 4, b: Dense 4 (both from input) → Add → Concatenate with a → Dense 2
    x = keras.Input((8,), name="x")
    a = L.Dense(4, activation="relu", name="a")(x)
    b = L.Dense(4, activation="tanh", name="b")(x)
    s = L.Add(name="s")([a, b])
    c = L.Concatenate(name="c")([s, a])
    y = L.Dense(2, name="y")(c)
    m = keras.Model(x, y, name="branchy")
    r = nncost.profile(m)
    rows = _rows(r)
    assert rows["a"].flops == 2 * 8 * 4 + 4 * 1 == 68
    assert rows["b"].flops == 2 * 8 * 4 + 4 * 1 == 68
    assert rows["s"].flops == (2 - 1) * 4 == 4
    assert rows["c"].flops == 0
    assert rows["c"].output_shape == (8,)
    assert rows["y"].flops == 2 * 8 * 2 == 32  # linear: a = 0
    assert r.flops == 68 + 68 + 4 + 0 + 32
    assert r.params == (8 * 4 + 4) * 2 + (8 * 2 + 2) == m.count_params()
    # Liveness, 4 bytes a value. Order: a, b, s, c, y (any topological order gives the
    # same peak here). After b runs: x (8) is freed only once both a and b consumed it:
    #   running a: x 8 + a 4 = 12; running b: x 8 + a 4 + b 4 = 16 (x freed after);
    #   running s: a 4 + b 4 + s 4 = 12 (a still waits for c); c: a 4 + s 4 + c 8 = 16;
    #   y: c 8 + y 2 = 10. Peak 16 values.
    assert r.memory.peak_activation_bytes == 16 * 4


def test_nested_model_rows_and_totals(keras, L):
    inner = keras.Sequential(
        [keras.Input((6,)), L.Dense(3, activation="relu", name="d1")], name="inner"
    )
    x = keras.Input((6,))
    y = L.Dense(1, activation="sigmoid", name="head")(inner(x))
    m = keras.Model(x, y, name="outer")
    r = nncost.profile(m)
    names = [row.name for row in r.layers]
    assert names == ["inner", "inner/d1", "head"]
    container = r.layers[0]
    assert container.container and container.depth == 0 and r.layers[1].depth == 1
    assert container.params == 6 * 3 + 3 == 21
    assert container.flops == 2 * 6 * 3 + 3 == 39
    # totals count the leaf layers once
    assert r.params == 21 + 4 == m.count_params()
    assert r.flops == 39 + (2 * 3 + 1)


def test_frozen_base_counts_as_non_trainable(keras, L):
    base = keras.Sequential([keras.Input((4,)), L.Dense(3)], name="base")
    base.trainable = False
    m = keras.Sequential([keras.Input((4,)), base, L.Dense(2)], name="tl")
    r = nncost.profile(m)
    assert r.params == 15 + 8
    assert r.trainable_params == 8 and r.non_trainable_params == 15
    assert r.memory.training(1, "adam").optimizer_bytes == 2 * 8 * 4


def test_shared_layer_params_counted_once(keras, L):
    shared = L.Dense(3, name="shared")
    x1, x2 = keras.Input((3,)), keras.Input((3,))
    y = L.Add()([shared(x1), shared(x2)])
    m = keras.Model([x1, x2], y)
    r = nncost.profile(m)
    assert r.params == 3 * 3 + 3 == m.count_params()
    calls = [row for row in r.layers if row.kind == "Dense"]
    assert len(calls) == 2 and [c.flops for c in calls] == [18, 18]
    assert r.memory.input_bytes_per_sample == (3 + 3) * 4


def test_convolution_family(keras, L):
    m = keras.Sequential(
        [
            keras.Input((10, 10, 4)),
            L.DepthwiseConv2D(3, name="dw"),  # → 8×8×4
            L.SeparableConv2D(6, 3, padding="same", name="sep"),  # → 8×8×6
            L.Conv2DTranspose(2, 2, strides=2, name="tr"),  # → 16×16×2
            L.Conv2D(4, 3, groups=2, name="grp"),  # → 14×14×4
            L.BatchNormalization(name="bn"),
            L.GlobalAveragePooling2D(name="gap"),
        ]
    )
    r = nncost.profile(m)
    rows = _rows(r)
    assert rows["dw"].params == 9 * 4 + 4 and rows["dw"].flops == 2 * 9 * (8 * 8 * 4)
    assert rows["sep"].params == 9 * 4 + 4 * 6 + 6
    assert rows["sep"].macs == 9 * 4 * 64 + 4 * 6 * 64
    assert rows["tr"].params == 4 * 6 * 2 + 2
    assert rows["tr"].macs == 4 * 6 * 2 * (8 * 8)  # every input value through the whole kernel
    assert rows["grp"].params == 9 * 1 * 4 + 4  # 2 input channels per group
    assert rows["grp"].flops == 2 * 9 * 1 * (14 * 14 * 4)
    assert rows["bn"].params == 4 * 4 and rows["bn"].trainable_params == 2 * 4
    assert rows["bn"].flops == 2 * (14 * 14 * 4)
    assert rows["gap"].flops == 14 * 14 * 4
    for layer in m.layers:
        assert rows[layer.name].params == layer.count_params()


def test_recurrent_family(keras, L):
    m = keras.Sequential(
        [
            keras.Input((7,), dtype="int32"),
            L.Embedding(50, 4, name="emb"),  # → 7×4
            L.Bidirectional(L.GRU(3, return_sequences=True), name="bi"),  # → 7×6
            L.TimeDistributed(L.Dense(2), name="td"),  # → 7×2
            L.LSTM(5, name="lstm"),
        ]
    )
    r = nncost.profile(m)
    rows = _rows(r)
    assert rows["emb"].params == 50 * 4 and rows["emb"].flops == 0
    gru_params = 3 * (3 * (3 + 4) + 3) + 3 * 3  # reset_after: second bias
    assert rows["bi"].params == 2 * gru_params == m.get_layer("bi").count_params()
    gru_step = 6 * 3 * 7 + 2 * 3 + 3 + 6 * 3
    assert rows["bi"].flops == 2 * 7 * gru_step  # concat merge costs 0
    assert rows["td"].params == 6 * 2 + 2 and rows["td"].flops == 7 * (2 * 6 * 2)
    assert rows["lstm"].params == 4 * (5 * (5 + 2) + 5)
    assert rows["lstm"].flops == 7 * (8 * 5 * 7 + 3 * 5 + 2 * 5 + 4 * 5)
    assert r.params == m.count_params()


def test_convention_changes_rules_without_code(keras, L):
    m = keras.Sequential([keras.Input((3,)), L.Dense(2, activation="relu")])
    assert nncost.profile(m).flops == 2 * 3 * 2 + 2
    none = nncost.COURSE.replace(name="mine", activation_flops={"relu": 5})
    r = nncost.profile(m, convention=none)
    assert r.flops == 2 * 3 * 2 + 2 * 5
    assert r.convention.name == "mine" and "convention: mine" in str(r)
    half = nncost.COURSE.replace(bytes_per_param=2)
    assert nncost.profile(m, convention=half).model_size_bytes == 8 * 2
    tf = nncost.profile(m, convention="tf-profiler")
    assert tf.flops == 2 * 3 * 2 + 2  # bias add 1 per output, relu 0
    with pytest.raises(ValueError, match="COURSE.replace"):
        nncost.profile(m, convention="nope")


def test_unknown_activation_and_layer_are_uncounted_not_zero(keras, L):
    def wiggle(x):
        return x * 2

    m = keras.Sequential(
        [
            keras.Input((3,)),
            L.Dense(2, activation=wiggle, name="d"),
            L.Lambda(lambda t: t + 1, name="lam"),
        ]
    )
    with pytest.warns(nncost.UncountedLayerWarning, match="d, lam"):
        r = nncost.profile(m)
    assert [row.name for row in r.uncounted] == ["d", "lam"]
    assert "?" in str(r) and "Uncounted" in str(r)
    assert "wiggle" in r.layers[0].note and "activation_flops" in r.layers[0].note
    assert r.flops == 2 * 3 * 2  # counted part of d only; lam unknown


class TestBadInput:
    def test_not_a_model(self):
        with pytest.raises(nncost.NNCostError, match="keras.Sequential"):
            nncost.profile(np.zeros(3))

    def test_unbuilt_sequential(self, keras, L):
        m = keras.Sequential([L.Dense(3)])
        with pytest.raises(nncost.NNCostError, match=r"keras.Input\(shape=...\)"):
            nncost.profile(m)

    def test_seq_len_missing(self, keras, L):
        m = keras.Sequential([keras.Input((None, 4)), L.SimpleRNN(3)])
        with pytest.raises(nncost.NNCostError, match="seq_len"):
            nncost.profile(m)
        assert nncost.profile(m, seq_len=2).flops == 2 * 45

    @pytest.mark.parametrize("bad", [0, -3, 2.5, "5"])
    def test_bad_seq_len_and_batch(self, keras, L, bad):
        m = keras.Sequential([keras.Input((None, 4)), L.SimpleRNN(3)])
        with pytest.raises(nncost.NNCostError, match="seq_len must be"):
            nncost.profile(m, seq_len=bad)
        with pytest.raises(nncost.NNCostError, match="batch_size must be"):
            nncost.profile(m, seq_len=2, batch_size=bad)

    @pytest.mark.parametrize("rate", [0, -1.0])
    def test_bad_flops_rate(self, keras, L, rate):
        r = nncost.profile(keras.Sequential([keras.Input((2,)), L.Dense(1)]))
        with pytest.raises(ValueError, match="positive, finite"):
            r.inference_time(rate)

    def test_unknown_optimizer(self, keras, L):
        r = nncost.profile(keras.Sequential([keras.Input((2,)), L.Dense(1)]))
        with pytest.raises(ValueError, match="optimizer_slots"):
            r.memory.training(4, "lion")

    def test_unknown_spatial_size(self, keras, L):
        m = keras.Sequential([keras.Input((None, None, 3)), L.Conv2D(2, 3)])
        with pytest.raises(nncost.NNCostError, match="fixed input shape"):
            nncost.profile(m)


def test_import_does_not_load_tensorflow():
    assert fresh.loaded("nncost", ("tensorflow", "keras")) == []


def test_no_warning_for_fully_counted_model(keras, L):
    m = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nncost.profile(m)


@pytest.mark.parametrize(
    "name, shape, flops",
    [  # pool 2, stride 2: a window of 2^d values read once per output element
        ("MaxPooling1D", (8, 3), 2 * (4 * 3)),
        ("AveragePooling1D", (8, 3), 2 * (4 * 3)),
        ("MaxPooling2D", (4, 4, 3), 4 * (2 * 2 * 3)),
        ("AveragePooling2D", (4, 4, 3), 4 * (2 * 2 * 3)),
        ("MaxPooling3D", (4, 4, 4, 2), 8 * (2 * 2 * 2 * 2)),
        ("AveragePooling3D", (4, 4, 4, 2), 8 * (2 * 2 * 2 * 2)),
    ],
)
def test_every_pooling_layer_is_costed_as_a_window(keras, L, name, shape, flops):
    # the one list of pooling layers (formulas.POOLING_LAYERS) the profiler, the checks and
    # the explorer read: each is a Keras layer, costed per window element
    from nncost.formulas import POOLING_LAYERS

    assert name in POOLING_LAYERS and len(POOLING_LAYERS) == 6
    m = keras.Sequential([keras.Input(shape), getattr(L, name)(2, name="pool")])
    assert _rows(nncost.profile(m))["pool"].flops == flops
