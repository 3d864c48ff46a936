"""nncost.plot: the figures carry the reports' numbers, and the diagram has one circle per neuron.

Every expected number is derived by hand below (course convention: Dense FLOPs = 2·in·out + out·a,
relu/sigmoid a = 1, softmax a = 6; model size = params × 4 bytes).
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import matplotlib
import pytest

matplotlib.use("Agg")

from matplotlib.collections import LineCollection
from matplotlib.patches import Circle, Rectangle

import nncost
from nncost import course, plot
from nncost.errors import NNCostError
from tests import fresh

# Q1 (5 → 5 → 5 → 1): params 5·5+5 = 30, 30, 5·1+1 = 6; FLOPs 2·5·5+5 = 55, 55, 2·5·1+1 = 11.
Q1_PARAMS = 30 + 30 + 6  # 66
Q1_FLOPS = 55 + 55 + 11  # 121
# Q2 (4 → 9 → 6 → 3 softmax): params 4·9+9 = 45, 9·6+6 = 60, 6·3+3 = 21;
# FLOPs 2·4·9+9 = 81, 2·9·6+6 = 114, 2·6·3+3·6 = 54.
Q2_PARAMS = 45 + 60 + 21  # 126
Q2_FLOPS = 81 + 114 + 54  # 249


@pytest.fixture(scope="module")
def q1():
    return course.q1()


@pytest.fixture(scope="module")
def q2():
    return course.q2()


@pytest.fixture(scope="module")
def q3_report():
    return nncost.profile(course.q3())


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_import_nncost_plot_and_widgets_stay_light():
    """Keras and matplotlib load when a function needs them, not on import."""
    heavy = fresh.loaded(
        "nncost, nncost.plot, nncost.widgets", ("tensorflow", "keras", "matplotlib")
    )
    assert heavy == [], f"import nncost pulled in {heavy}"


def test_compare_bar_heights_are_the_reports_numbers(q1, q2, tmp_path):
    fig = plot.compare({"Q1": q1, "Q2": q2}, flops_per_second=2e9)
    fig.savefig(tmp_path / "compare.png")
    assert (tmp_path / "compare.png").stat().st_size > 10_000
    params, size, flops, time = fig.axes
    assert [b.get_height() for b in _bars(params)] == [Q1_PARAMS, Q2_PARAMS]
    assert [b.get_height() for b in _bars(size)] == [66 * 4, 126 * 4]  # 264, 504 bytes
    assert [b.get_height() for b in _bars(flops)] == [Q1_FLOPS, Q2_FLOPS]
    # inference time = FLOPs / FLOPS at 2 GFLOPS: 121 / 2e9 = 60.5 ns, 249 / 2e9 = 124.5 ns
    assert [b.get_height() for b in _bars(time)] == pytest.approx([60.5e-9, 124.5e-9])
    assert "2 GFLOPS" in time.get_title()
    labels = [t.get_text() for t in params.texts]
    assert "66" in labels and "126" in labels
    assert [t.get_text() for t in size.texts if t.get_text().endswith("B")] == ["264 B", "504 B"]
    assert params.get_yscale() == "linear"  # 126 / 66 < 100


def test_compare_takes_reports_and_goes_log_across_orders_of_magnitude(q1, q3_report):
    fig = plot.compare({"Q1": nncost.profile(q1), "Q3": q3_report})
    params = fig.axes[0]
    # Q3: 320 + 18,496 + 102,464 + 650 = 121,930 params; 121,930 / 66 > 100 → log scale
    assert [b.get_height() for b in _bars(params)] == [Q1_PARAMS, 121_930]
    assert params.get_yscale() == "log"
    assert "122k" in [t.get_text() for t in params.texts]


def test_compare_rejects_a_bare_model(q1):
    with pytest.raises(NNCostError, match="dict of name"):
        plot.compare(q1)


def test_layers_breakdown_of_the_mnist_cnn(q3_report, tmp_path):
    fig = plot.layers(q3_report)
    fig.savefig(tmp_path / "layers.png")
    params, flops, act = fig.axes
    # conv 3·3·1·32+32 = 320; pool 0; conv 3·3·32·64+64 = 18,496; pool 0; flatten 0;
    # dense 1600·64+64 = 102,464; dense 64·10+10 = 650
    assert [b.get_width() for b in _bars(params)] == [320, 0, 18_496, 0, 0, 102_464, 650]
    # conv out 26·26·32 = 21,632: 2·9·1·21,632 + 21,632 = 411,008; pool 13·13·32 = 5,408 × 4
    # = 21,632; conv out 11·11·64 = 7,744: 2·9·32·7,744 + 7,744 = 4,468,288; pool 5·5·64 × 4 =
    # 6,400; flatten 0; dense 2·1600·64 + 64 = 204,864; dense 2·64·10 + 10·6 = 1,340
    assert [b.get_width() for b in _bars(flops)] == [
        411_008,
        21_632,
        4_468_288,
        6_400,
        0,
        204_864,
        1_340,
    ]
    # output elements × 4 bytes: 21,632·4, 5,408·4, 7,744·4, 1,600·4, 1,600·4, 64·4, 10·4
    assert [b.get_width() for b in _bars(act)] == [86_528, 21_632, 30_976, 6_400, 6_400, 256, 40]
    # the dominant layer of each panel is drawn in red: the dense after Flatten holds the
    # parameters, the second convolution the FLOPs, the first convolution the activations
    red = matplotlib.colors.to_rgba("tab:red")
    assert [i for i, b in enumerate(_bars(params)) if b.get_facecolor() == red] == [5]
    assert [i for i, b in enumerate(_bars(flops)) if b.get_facecolor() == red] == [2]
    assert [i for i, b in enumerate(_bars(act)) if b.get_facecolor() == red] == [0]
    # 102,464 / 121,930 = 84 %
    assert "102k (84%)" in [t.get_text() for t in params.texts]


def _circles(fig) -> int:
    return sum(isinstance(p, Circle) for ax in fig.axes for p in ax.patches)


def _connections(fig) -> int:
    return sum(
        len(c.get_segments())
        for ax in fig.axes
        for c in ax.collections
        if isinstance(c, LineCollection)
    )


@pytest.mark.parametrize(
    ("name", "neurons", "weights"),
    [
        ("q1", 5 + 5 + 5 + 1, 5 * 5 + 5 * 5 + 5 * 1),  # 16 neurons, 55 connections
        ("q2", 4 + 9 + 6 + 3, 4 * 9 + 9 * 6 + 6 * 3),  # 22 neurons, 108 connections
    ],
)
def test_network_draws_one_circle_per_neuron(name, neurons, weights, request, tmp_path):
    model = request.getfixturevalue(name)
    fig = plot.network(model)
    fig.savefig(tmp_path / f"{name}.png")
    assert _circles(fig) == neurons
    assert _connections(fig) == weights
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "relu" in text and "…" not in text
    assert ("sigmoid" if name == "q1" else "softmax") in text


def test_network_compresses_wide_layers():
    import keras

    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    fig = plot.network(model, max_neurons=10)
    # 784 and 128 are drawn as 5 + 5 circles each; the 10 outputs fit: 10 + 10 + 10 = 30
    assert _circles(fig) == 30
    assert _connections(fig) == 10 * 10 + 10 * 10
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "… 784 units" in texts and "… 128 units" in texts
    # 784·128 + 128 = 100,480 params for the hidden layer, in its label
    assert any("100,480 params" in t for t in texts)


def test_network_refuses_a_cnn_and_names_the_fix(q3_report):
    with pytest.raises(NNCostError, match=r"plot\.layers"):
        plot.network(course.q3())


def test_compare_many_models_uses_a_two_column_grid(q1):
    report = nncost.profile(q1)
    fig = plot.compare({f"m{i}": report for i in range(5)})
    assert len(fig.axes) == 4
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (2, 2)
    # every panel still has one bar per model, each at Q1's number
    assert [b.get_height() for b in _bars(fig.axes[2])] == [Q1_FLOPS] * 5


def test_network_of_a_flattened_image_input():
    import keras

    model = keras.Sequential(
        [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")]
    )
    fig = plot.network(model, max_neurons=10)
    # 28·28 = 784 inputs drawn as 5 + 5 circles, then the 3 outputs: 13 circles, 10·3 lines
    assert _circles(fig) == 13
    assert _connections(fig) == 30
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("28×28 = 784 values" in t for t in texts)
    # 784·3 + 3 = 2,355 params; 2·784·3 + 3·6 = 4,722 FLOPs
    assert any("2,355 params\n4,722 FLOPs" in t for t in texts)


# --------------------------------------------------------------------------- roofline
# Q3's FLOPs, from test_layers_breakdown_of_the_mnist_cnn: conv, pool, conv, pool, dense, dense
Q3_FLOPS = 411_008 + 21_632 + 4_468_288 + 6_400 + 204_864 + 1_340  # 5,113,532


def test_roofline_draws_the_roof_the_ridge_and_each_model_at_its_point(tmp_path):
    from nncost.measure import Latency, Machine, Measurement

    spec = Machine(peak_flops=1e11, bandwidth=2e10)  # ridge 1e11 / 2e10 = 5 FLOPs per byte
    # Q1: 121 FLOPs, 4·(66 + 15 + 11) = 368 bytes, median 2 µs → 6.05e7 FLOP/s at 121/368
    # Q3: 5,113,532 FLOPs, 795,280 bytes (tests/test_measure.py), median 10 ms → 5.113532e8
    q1 = Measurement("Q1", flops=121, bytes=368, latency=Latency(1, 0, (1e-6, 2e-6, 3e-6)))
    q3 = Measurement("Q3", flops=Q3_FLOPS, bytes=795_280, latency=Latency(1, 0, (0.01,)))
    fig = plot.roofline({"Q1": q1, "Q3": q3}, machine=spec)
    fig.savefig(tmp_path / "roofline.png")
    assert (tmp_path / "roofline.png").stat().st_size > 10_000
    (ax,) = fig.axes
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    roof, ridge, course_line = ax.lines
    # x from the smallest intensity / 10 to the largest / 10 × 10: 121/368/10 … 6.43·10
    lo, hi = 121 / 368 / 10, Q3_FLOPS / 795_280 * 10
    assert list(roof.get_xdata()) == pytest.approx([lo, 5, hi])
    assert list(roof.get_ydata()) == pytest.approx([lo * 2e10, 1e11, 1e11])
    assert list(ridge.get_xdata()) == [5, 5]
    assert list(course_line.get_ydata()) == [1e9, 1e9]
    points = [float(v) for c in ax.collections for v in c.get_offsets()[0]]
    assert points == pytest.approx([121 / 368, 6.05e7, Q3_FLOPS / 795_280, 5.113532e8])
    assert [t.get_text() for t in ax.texts] == ["Q1", "Q3"]


def test_roofline_times_a_keras_model_itself():
    from nncost.measure import Machine

    fig = plot.roofline({"Q1": course.q1()}, machine=Machine(peak_flops=1e11, bandwidth=2e10))
    ((x, y),) = fig.axes[0].collections[0].get_offsets()
    assert x == pytest.approx(121 / 368)  # the intensity, worked out in tests/test_measure.py
    assert 0 < y < float("inf")  # the achieved FLOP/s: measured, so only sane


def test_roofline_rejects_a_bare_model():
    with pytest.raises(NNCostError, match="dict of name"):
        plot.roofline(course.q1())
