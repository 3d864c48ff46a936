"""A chart is graded by what it plots: nncost.answers encodes a matplotlib Figure (titles, y
scale, bar heights and their tick labels) and autograder.verdict's ``bars`` check judges it."""

import json
import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib.pyplot as plt

from autograder.verdict import PASSED, judge_record
from nncost.answers import encode, record

# by hand, the course's dense networks: Q1 5→5→5→1, Q2 4→9→6→3 (bias included)
Q1_PARAMS = 5 * 5 + 5 + 5 * 5 + 5 + 5 * 1 + 1  # 66
Q2_PARAMS = 4 * 9 + 9 + 9 * 6 + 6 + 6 * 3 + 3  # 126
Q1_FLOPS = (2 * 5 * 5 + 5) * 2 + 2 * 5 * 1 + 1  # relu, relu, sigmoid: 121
Q2_FLOPS = 2 * 4 * 9 + 9 + 2 * 9 * 6 + 6 + 2 * 6 * 3 + 3 * 6  # relu, relu, softmax (6): 249

CHECK = {
    "kind": "bars",
    "answer": "fig",
    "rel": 1e-6,
    "message": "the bars are not the costs",
    "want": [
        {"heights": [Q1_PARAMS, Q2_PARAMS], "labels": ["Q1", "Q2"]},
        {"heights": [Q1_FLOPS, Q2_FLOPS], "labels": ["Q1", "Q2"]},
    ],
}


def _verdict(fig) -> str:
    answers = json.loads(json.dumps(record("chart", {"fig": fig})))["answers"]  # as exported
    plt.close("all")
    return judge_record([CHECK], answers)


def _two_panels(params, flops, labels=("Q1", "Q2"), horizontal=False, log=False):
    fig, (left, right) = plt.subplots(1, 2)
    for ax, heights, title in ((left, params, "parameters"), (right, flops, "FLOPs")):
        (ax.barh if horizontal else ax.bar)(list(labels), heights)
        ax.set_title(title)
        if log:  # the values' axis
            (ax.set_xscale if horizontal else ax.set_yscale)("log")
    return fig


def test_the_references_are_nncosts():
    import nncost
    import nncost.course

    q1, q2 = nncost.profile(nncost.course.q1()), nncost.profile(nncost.course.q2())
    assert (q1.params, q2.params, q1.flops, q2.flops) == (Q1_PARAMS, Q2_PARAMS, Q1_FLOPS, Q2_FLOPS)


def test_a_figure_is_encoded_by_what_it_plots():
    fig = _two_panels([Q1_PARAMS, Q2_PARAMS], [Q1_FLOPS, Q2_FLOPS], log=True)
    got = encode(fig)
    plt.close(fig)
    assert got["type"] == "matplotlib.Figure"
    assert [ax["title"] for ax in got["axes"]] == ["parameters", "FLOPs"]
    assert [ax["yscale"] for ax in got["axes"]] == ["log", "log"]
    assert got["axes"][0]["bars"] == [{"heights": [66.0, 126.0], "labels": ["Q1", "Q2"]}]


@pytest.mark.parametrize("horizontal", [False, True], ids=["bar", "barh"])
@pytest.mark.parametrize("log", [False, True], ids=["linear", "log"])
def test_the_right_chart_passes_in_any_orientation_and_scale(horizontal, log):
    fig = _two_panels([Q1_PARAMS, Q2_PARAMS], [Q1_FLOPS, Q2_FLOPS], horizontal=horizontal, log=log)
    assert _verdict(fig) == PASSED


def _labelled_by_ticks(heights):  # numbers on the axis, labels set on the ticks
    _, ax = plt.subplots()
    ax.bar([0, 1], heights)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["Q1", "Q2"])
    return ax


@pytest.mark.parametrize(
    "panel",
    [
        lambda h: plt.subplots()[1].bar(["Q1", "Q2"], h).patches[0].axes,
        lambda h: plt.subplots()[1].bar([0, 1], h, tick_label=["Q1", "Q2"]).patches[0].axes,
        _labelled_by_ticks,
        lambda h: plt.subplots()[1].barh(["Q1", "Q2"], h).patches[0].axes,
    ],
    ids=["categories", "tick_label", "set_xticklabels", "barh"],
)
def test_tick_labels_are_read_however_the_student_set_them_on_a_figure_never_drawn(panel):
    ax = panel([Q1_PARAMS, Q2_PARAMS])
    got = encode(ax.figure)
    plt.close(ax.figure)
    assert got["axes"][0]["bars"] == [{"heights": [66.0, 126.0], "labels": ["Q1", "Q2"]}]


def test_numpy_heights_and_one_axes_per_panel_in_any_order_pass():
    import numpy as np

    fig = _two_panels(
        np.array([Q1_FLOPS, Q2_FLOPS]), np.array([Q1_PARAMS, Q2_PARAMS]), labels=(" q1", "Q2 ")
    )
    assert _verdict(fig) == PASSED


def test_wrong_heights_fail_with_the_checks_message():
    fig = _two_panels([Q1_PARAMS - 11, Q2_PARAMS - 18], [Q1_FLOPS, Q2_FLOPS])  # biases forgotten
    assert _verdict(fig) == "the bars are not the costs"
    fig = _two_panels([Q1_PARAMS * 1.01, Q2_PARAMS], [Q1_FLOPS, Q2_FLOPS])
    assert _verdict(fig) == "the bars are not the costs"


def test_a_missing_panel_fails():
    fig, ax = plt.subplots()
    ax.bar(["Q1", "Q2"], [Q1_PARAMS, Q2_PARAMS])
    assert _verdict(fig) == "the bars are not the costs"


def test_unlabelled_bars_fail_and_the_message_says_how_to_label_them():
    fig = _two_panels([Q1_PARAMS, Q2_PARAMS], [Q1_FLOPS, Q2_FLOPS], labels=("A", "B"))
    assert _verdict(fig).startswith("label the bars Q1, Q2")
    fig, (left, right) = plt.subplots(1, 2)
    left.bar([0, 1], [Q1_PARAMS, Q2_PARAMS])
    right.bar([0, 1], [Q1_FLOPS, Q2_FLOPS])
    assert _verdict(fig).startswith("label the bars Q1, Q2")


def test_something_else_than_a_figure_fails():
    for answer in ([Q1_PARAMS, Q2_PARAMS], None):
        got = json.loads(json.dumps(record("chart", {"fig": answer})))["answers"]
        assert judge_record([CHECK], got).startswith("fig must be a matplotlib figure")
    fig, ax = plt.subplots()
    axes = encode(ax)  # the Axes, not the figure
    plt.close(fig)
    assert judge_record([CHECK], {"fig": axes}).startswith("fig must be a matplotlib figure")
