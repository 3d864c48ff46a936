"""nncost.widgets driven from Python: move a control, read the numbers the widget displays.

Expected numbers are derived by hand (course convention: Dense FLOPs = 2·in·out + out·a,
Conv FLOPs = 2·k·k·C_in·out + out·a with out = output elements, pooling prod(pool)·out,
relu/sigmoid a = 1, softmax a = 6, model size = params × 4 bytes, 1 KB = 1024 bytes).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import pytest

import nncost
from nncost import course, widgets
from nncost.errors import NNCostError

ROOT = Path(__file__).resolve().parents[1]


def shown(view) -> dict[str, str]:
    """The numbers the widget displays, by cell class: params, size, flops, time, peak."""
    return dict(
        re.findall(
            r'class="nncost-(params|size|flops|time|peak)"[^>]*>([^<]*)<', view.numbers.value
        )
    )


def test_explore_q1_every_control_recomputes_the_numbers():
    ex = widgets.explore(course.q1())
    assert list(ex.controls) == [
        "input.features",
        "layers[0].units",
        "layers[1].units",
        "layers[2].units",
        "speed",
    ]
    # 5→5→5→1: params 30 + 30 + 6 = 66, FLOPs 55 + 55 + 11 = 121, size 66 × 4 = 264 bytes
    assert shown(ex) == {
        "params": "66",
        "size": "264 bytes (0.26 KB)",
        "flops": "121",
        "time": "121 ns (1.21e-07 s)",
        "peak": shown(ex)["peak"],
    }
    chart_before = ex.chart.value

    ex.controls["input.features"].value = 6
    # 6→5: 6·5+5 = 35 params, 2·6·5+5 = 65 FLOPs; the rest unchanged: 35+30+6 = 71, 65+55+11 = 131
    assert shown(ex)["params"] == "71"
    assert shown(ex)["flops"] == "131"
    assert shown(ex)["size"] == "284 bytes (0.28 KB)"  # 71 × 4
    assert ex.chart.value != chart_before

    ex.controls["layers[0].units"].value = 8
    # 6→8: 6·8+8 = 56, 2·6·8+8 = 104; 8→5: 8·5+5 = 45, 2·8·5+5 = 85; 5→1: 6, 11
    assert shown(ex)["params"] == str(56 + 45 + 6)  # 107
    assert shown(ex)["flops"] == str(104 + 85 + 11)  # 200
    assert ex.model.count_params() == 107  # Keras agrees with the rebuilt model

    ex.controls["speed"].value = 2.0  # GFLOPS: 200 FLOPs / 2e9 FLOPS = 1e-7 s
    assert shown(ex)["time"] == "100 ns (1e-07 s)"
    assert shown(ex)["flops"] == "200"


@pytest.fixture(scope="module")
def q3_explorer():
    return widgets.explore(course.q3(), chart=False)


def test_explore_cnn_kernel_size(q3_explorer):
    ex = q3_explorer
    assert {
        "input.height",
        "input.width",
        "input.channels",
        "layers[0].filters",
        "layers[0].kernel",
        "layers[0].stride",
        "layers[0].padding",
        "layers[1].pool",
        "layers[5].units",
    } <= set(ex.controls)
    assert shown(ex)["params"] == "121,930"
    ex.controls["layers[0].kernel"].value = 5
    # conv 5·5·1·32+32 = 832 params, out 24·24·32 = 18,432: 2·25·18,432 + 18,432 = 940,032
    # pool out 12·12·32 = 4,608: 4·4,608 = 18,432; conv 3·3·32·64+64 = 18,496 params,
    # out 10·10·64 = 6,400: 2·9·32·6,400 + 6,400 = 3,692,800; pool 5·5·64 = 1,600: 6,400;
    # flatten 1,600 (as before): dense 102,464 params / 204,864 FLOPs, dense 650 / 1,340
    assert shown(ex)["params"] == f"{832 + 18_496 + 102_464 + 650:,}"  # 122,442
    assert shown(ex)["flops"] == f"{940_032 + 18_432 + 3_692_800 + 6_400 + 204_864 + 1_340:,}"


def test_explore_shows_why_a_configuration_does_not_fit(q3_explorer):
    ex = q3_explorer
    ex.controls["layers[0].kernel"].value = 11  # 28 → 18 → pool 9
    before = shown(ex)
    ex.controls["layers[2].kernel"].value = 11  # an 11×11 kernel on a 9×9 map: no output
    assert "does not fit" in ex.message.value and "smaller kernel" in ex.message.value
    assert shown(ex) == before  # the last model that fits stays on show
    ex.controls["layers[2].padding"].value = "same"  # 'same' padding makes it fit again
    assert ex.message.value == ""
    # conv 11·11·32·64 + 64 = 247,872 params
    assert ex.model.layers[2].count_params() == 247_872


def test_explore_sequence_length_of_the_lstm():
    ex = widgets.explore(course.q7(), seq_len=5, chart=False)
    # LSTM a=3, i=4, one step: 8·3·(4+3) + 3·3 (σ) + 2·3 (tanh) + 4·3 = 168 + 9 + 6 + 12 = 195;
    # Dense(1, sigmoid): 2·3·1 + 1 = 7. Five steps: 5·195 + 7 = 982
    assert shown(ex)["flops"] == "982"
    ex.controls["input.steps"].value = 6
    assert shown(ex)["flops"] == f"{6 * 195 + 7:,}"  # 1,177
    # params 4·[3·(3+4) + 3] + (3 + 1) = 96 + 4 = 100, whatever the length
    assert shown(ex)["params"] == "100"


def test_explore_other_models_get_the_speed_control_only():
    import keras

    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(3)(x) + keras.layers.Dense(3)(x))
    ex = widgets.explore(model, chart=False)
    assert list(ex.controls) == ["speed"]
    assert "shown as it is" in ex.message.value
    # two Dense(4→3): 2·(4·3+3) = 30 params
    assert shown(ex)["params"] == "30"


def test_explore_names_the_fix_for_a_report_or_an_unbuilt_model():
    import keras

    with pytest.raises(NNCostError, match="pass the model itself"):
        widgets.explore(nncost.profile(course.q1()))
    with pytest.raises(NNCostError, match=r"keras\.Input"):
        widgets.explore(keras.Sequential([keras.layers.Dense(3)]))


def test_builder_stacks_layers_from_its_controls():
    b = widgets.builder(input_shape="28, 28, 1")
    assert "Add a layer" in b.message.value and shown(b) == {}
    b.kind.value, b.size.value, b.kernel.value = "Conv2D", 8, 3
    b.add_button.click()
    # Conv2D(8, 3×3) on 28×28×1: 3·3·1·8 + 8 = 80 params; out 26·26·8 = 5,408:
    # 2·9·1·5,408 + 5,408 = 102,752 FLOPs
    assert (shown(b)["params"], shown(b)["flops"]) == ("80", "102,752")
    b.kind.value = "MaxPooling2D"
    assert (b.kernel.value, b.stride.value) == (2, 2)  # pooling defaults to 2×2, stride 2
    b.add_button.click()  # out 13·13·8 = 1,352: 4·1,352 = 5,408 FLOPs
    b.kind.value = "Flatten"
    b.add_button.click()
    b.kind.value, b.size.value, b.activation.value = "Dense", 10, "softmax"
    b.add_button.click()
    # Dense 1,352→10: 1,352·10 + 10 = 13,530 params, 2·1,352·10 + 10·6 = 27,100 FLOPs
    assert shown(b)["params"] == f"{80 + 13_530:,}"  # 13,610
    assert shown(b)["flops"] == f"{102_752 + 5_408 + 0 + 27_100:,}"  # 135,260
    assert shown(b)["size"] == "54,440 bytes (53.16 KB)"  # 13,610 × 4 = 54,440; / 1024 = 53.16

    b.kind.value = "Conv2D"
    b.add_button.click()  # a convolution after Dense is refused, with the reason
    assert "needs a height × width × channels input" in b.message.value
    assert len(b.stack) == 4 and shown(b)["params"] == "13,610"

    b.pop_button.click()
    b.pop_button.click()  # back to conv + pool: 80 params, 102,752 + 5,408 = 108,160 FLOPs
    assert (shown(b)["params"], shown(b)["flops"]) == ("80", "108,160")

    b.input_shape.value = "28, x"
    assert "e.g. 28, 28, 1" in b.message.value


def test_builder_add_from_code_and_the_dense_hint():
    b = widgets.builder(input_shape="784", chart=False)
    assert b.add("Dense", size=128) and b.add("Dense", size=10, activation="softmax")
    # 784·128 + 128 = 100,480 and 128·10 + 10 = 1,290 params
    assert shown(b)["params"] == f"{100_480 + 1_290:,}"
    b2 = widgets.builder(chart=False)
    b2.add("Conv2D", size=4)
    b2.add("Dense", size=2)
    assert "add Flatten before it" in b2.message.value
    with pytest.raises(NNCostError, match="choose from"):
        b2.add("LSTM")


def test_a_notebook_calling_the_widgets_runs_headless(monkeypatch):
    """The demo notebook runs through nbclient without a display: no error, nothing on stderr
    (nbgrader scores a cell that writes to stderr 0), and the widgets are in the outputs."""
    import nbclient
    import nbformat

    nb = nbformat.read(ROOT / "examples" / "explore.ipynb", as_version=4)
    # the kernel imports this checkout's nncost
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], sys.executable
    widget_views = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(widget_views) == 2  # explore() and builder()
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the network diagram
