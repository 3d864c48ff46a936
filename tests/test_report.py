"""Report rendering: golden tables, column sums, HTML, JSON, explain()."""

import json

import pytest

import nncost
from nncost import course, formatting


@pytest.fixture(scope="module")
def q3_report():
    return nncost.profile(course.q3())


@pytest.mark.parametrize("name", ["q1", "q3", "q6"])
def test_golden_table(name, golden):
    golden(f"{name}.out", str(nncost.profile(course.MODELS[name]())))


def test_golden_explain(golden):
    golden("q1_explain.out", nncost.profile(course.q1()).explain())


def test_columns_sum_to_totals(q3_report):
    rows = q3_report.leaves
    assert sum(r.params for r in rows) == q3_report.params
    assert sum(r.flops for r in rows) == q3_report.flops
    assert sum(r.macs for r in rows) == q3_report.macs
    for r in rows:
        assert r.flops == r.flops_compute + r.flops_activation + r.flops_other


def test_explain_shows_formula_numbers_and_result():
    text = nncost.profile(course.q1()).explain()
    assert "dense_1: params = 5×5 + 5 = 30; FLOPs = 2×5×5 + 5×1 (relu) = 55" in text
    assert "dense_3: params = 5×1 + 1 = 6; FLOPs = 2×5×1 + 1×1 (sigmoid) = 11" in text
    assert "total FLOPs = 55 + 55 + 11 = 121" in text
    assert "model size = 66 × 4 bytes = 264 bytes" in text


def test_every_formula_evaluates_to_its_row(q3_report):
    # "2×3×3×1×(26×26×32) + 21632×1 (relu) = 411008": the right side is the row's number,
    # and the left side, evaluated, gives it too.
    import re

    for row in q3_report.layers:
        if " = " not in row.flops_formula:  # "0 (moves or copies data)"
            assert row.flops == 0 and row.flops_formula.startswith("0 (")
            continue
        left, _, right = row.flops_formula.rpartition(" = ")
        assert int(right) == row.flops
        expr = re.sub(r"\([a-z_ ]+\)", "", left).replace("×", "*")
        if expr.strip().startswith("0"):
            continue
        assert eval(expr) == row.flops, row.flops_formula


def test_units_are_labelled_as_the_course_defines_them(q3_report):
    text = str(q3_report)
    assert "1 KB = 1024 bytes" in text
    assert "487,720 bytes (476.29 KB)" in text  # 121,930 × 4 / 1024
    assert formatting.size(2 * 1024**2) == "2,097,152 bytes (2.00 MB)"


def test_html_and_json(q3_report):
    html = q3_report._repr_html_()
    assert html.count("<tr>") == len(q3_report.layers) + 1
    assert "conv_1 (Conv2D)" in html and "1 KB = 1024 bytes" in html
    data = json.loads(q3_report.to_json())
    assert data["params"] == 121_930 and data["flops"] == 5_113_532
    assert data["convention"] == "course"
    assert [row["flops"] for row in data["layers"]] == [r.flops for r in q3_report.layers]
    assert data["memory"]["inference_peak_bytes"] == q3_report.memory.inference_peak_bytes


def test_training_memory_renders_each_part():
    text = str(nncost.profile(course.q1()).memory.training(10, "adam"))
    for label in ("parameters", "gradients", "optimizer state (adam)", "activations", "total"):
        assert label in text
