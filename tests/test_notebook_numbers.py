"""Every number the assignment notebooks teach, recomputed by hand and with nncost.

Each row: the number as nncost gives it (default convention), the same number derived by hand
(arithmetic written out), and the text in which the notebooks (or their walkthrough
explanations) state it.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import keras
import pytest

import nncost
from nncost import course

ROOT = Path(__file__).resolve().parent.parent

L = keras.layers


@pytest.fixture(scope="module")
def taught_text():
    """All text of the three notebooks: cells and walkthrough explanations (cells too)."""
    import nbformat

    parts = []
    for name in ("dense", "cnn", "recurrent"):
        nb = nbformat.read(ROOT / "source" / name / f"{name}.ipynb", as_version=4)
        parts += [c.source for c in nb.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def reports():
    dense_example = keras.Sequential(
        [keras.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(2, activation="softmax")]
    )
    cnn_example = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            L.Conv2D(4, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ]
    )
    rnn_example = keras.Sequential(
        [keras.Input((3, 2)), L.SimpleRNN(4), L.Dense(1, activation="sigmoid")]
    )
    models = {
        "dense_example": dense_example,
        "cnn_example": cnn_example,
        "rnn_example": rnn_example,
        "q1": course.q1(),
        "q2": course.q2(),
        "q3": course.q3(),
        "q4": course.q4(),
        "q5": course.q5(),
        "q6": course.q6(),
        "q7": course.q7(5),
    }
    return {name: nncost.profile(m) for name, m in models.items()}


def _step(report, steps: int) -> int:
    """FLOPs of one time step of the report's first (recurrent) layer."""
    return report.layers[0].flops // steps


ROWS = [
    # (model, quantity, hand derivation, text as taught)
    ("dense_example", "params", (3 * 4 + 4) + (4 * 2 + 2), "**26**"),
    ("dense_example", "flops", (2 * 3 * 4 + 4 * 1) + (2 * 4 * 2 + 2 * 6), "**56**"),
    ("dense_example", "model_size_bytes", 26 * 4, "= 104$ bytes"),
    ("q1", "params", (5 * 5 + 5) + (5 * 5 + 5) + (5 * 1 + 1), "66 parameters"),
    ("q1", "flops", (2 * 5 * 5 + 5) + (2 * 5 * 5 + 5) + (2 * 5 * 1 + 1 * 1), "121 FLOPs"),
    ("q1", "model_size_bytes", 66 * 4, "= 264 bytes"),
    ("q2", "params", (4 * 9 + 9) + (9 * 6 + 6) + (6 * 3 + 3), "= 126$ parameters"),
    ("q2", "flops", (2 * 4 * 9 + 9) + (2 * 9 * 6 + 6) + (2 * 6 * 3 + 3 * 6), "= 249$"),
    ("q2", "model_size_bytes", 126 * 4, "504 bytes"),
    ("cnn_example", "params", (3 * 3 * 1 + 1) * 4 + (36 * 3 + 3), "**151**"),
    (
        "cnn_example",
        "flops",
        (2 * 9 * 1 * 144 + 144 * 1) + 2 * 2 * 36 + (2 * 36 * 3 + 3 * 6),
        "**3114**",
    ),
    (
        "q3",
        "params",
        (9 * 1 + 1) * 32 + (9 * 32 + 1) * 64 + (1600 * 64 + 64) + (64 * 10 + 10),
        "= 121930$",
    ),
    (
        "q3",
        "flops",
        (2 * 9 * 1 * (26 * 26 * 32) + 26 * 26 * 32)  # conv1: 411008
        + 4 * (13 * 13 * 32)  # pool1: 21632
        + (2 * 9 * 32 * (11 * 11 * 64) + 11 * 11 * 64)  # conv2: 4468288
        + 4 * (5 * 5 * 64)  # pool2: 6400
        + (2 * 1600 * 64 + 64)
        + (2 * 64 * 10 + 10 * 6),  # dense: 204864 + 1340
        None,
    ),
    ("q3", "model_size_bytes", 121930 * 4, "= 487720$ bytes"),
    (
        "q4",
        "flops",
        (2 * 27 * 28800 + 28800)
        + 4 * 7200
        + (2 * 288 * 10816 + 10816)
        + 4 * 2304
        + (2 * 2304 * 64 + 64)
        + (2 * 64 * 10 + 60),
        "total 8159164",
    ),
    (
        "q5",
        "params",
        (27 * 1 + 1) * 32 + (27 * 32 + 1) * 64 + (2 * 14 * 14 * 64 * 128 + 128) + (128 * 5 + 5),
        "3,268,293 parameters",
    ),
    ("q5", "model_size_bytes", 3268293 * 4, "= 13073172$ bytes"),
    ("rnn_example", "params", 4 * (4 + 2) + 4 + (4 * 1 + 1), "**33**"),
    ("rnn_example", "flops", 3 * (2 * 4 * (2 + 4) + 4 * 1) + (2 * 4 * 1 + 1 * 1), "**165**"),
    ("rnn_example", "step", 2 * 4 * (2 + 4) + 4 * 1, "= 52$ FLOPs"),
    ("q6", "params", 3 * (3 + 4) + 3 + (3 * 2 + 2), "8$ in the Dense layer: 32"),
    ("q6", "step", 2 * 3 * (4 + 3) + 3 * 1, "= 45$ per step"),
    ("q6", "flops", 5 * 45 + (2 * 3 * 2 + 2 * 1), "239 FLOPs in all"),
    ("q6", "model_size_bytes", 32 * 4, "= 128$ bytes"),
    ("q7", "params", 4 * (3 * (3 + 4) + 3) + (3 * 1 + 1), "+ 1 = 4$: 100"),
    ("q7", "step", 2 * 4 * 3 * (4 + 3) + 3 * 3 * 1 + 2 * 3 * 1 + 4 * 3, "= 12$ element-wise: 195"),
    ("q7", "flops", 5 * 195 + (2 * 3 * 1 + 1 * 1), "982 FLOPs"),
]


@pytest.mark.parametrize(
    "model, quantity, by_hand, text", ROWS, ids=[f"{r[0]}-{r[1]}" for r in ROWS]
)
def test_taught_number(reports, taught_text, model, quantity, by_hand, text):
    report = reports[model]
    value = (
        _step(report, 3 if model == "rnn_example" else 5)
        if quantity == "step"
        else getattr(report, quantity)
    )
    assert value == by_hand
    if text is not None:
        assert text in taught_text, f"the notebooks no longer say {text!r}"


def test_taught_times_and_kilobytes(reports, taught_text):
    # time = FLOPs / 1e9 s; KB = bytes / 1024
    assert reports["q1"].inference_time(1e9) == pytest.approx(121 / 1e9)
    assert "1.21 \\times 10^{-7}" in taught_text
    assert reports["q2"].inference_time(1e9) == pytest.approx(249 / 1e9)
    assert "2.49\\times10^{-7}" in taught_text
    assert reports["q4"].inference_time(1e9) == pytest.approx(8159164 / 1e9)
    assert "8.159164\\times10^{-3}" in taught_text
    assert reports["q7"].inference_time(1e9) == pytest.approx(982 / 1e9)
    assert "9.82\\times10^{-7}" in taught_text
    assert reports["dense_example"].inference_time(1e9) == pytest.approx(56 / 1e9)
    assert "5.6\\times10^{-8}" in taught_text
    assert 104 / 1024 == 0.1015625 and "0.1015625" in taught_text
    assert 264 / 1024 == 0.2578125 and "0.2578125" in taught_text
    assert 504 / 1024 == 0.4921875 and "0.4921875" in taught_text
    assert 487720 / 1024 == 476.2890625 and "476.289" in taught_text
    assert round(13073172 / 1024) == 12767 and "12767" in taught_text
    assert 128 / 1024 == 0.125 and "0.125" in taught_text
