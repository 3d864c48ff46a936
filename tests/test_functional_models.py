"""A functional model's ``model.layers`` starts with an InputLayer (a Sequential's does not):
every notebook says so, every solution ``compute`` skips it, and each notebook's hidden tests run
the student's ``compute`` on at least one functional model, so a compute that crashes on it
loses the compute parts."""

import os
import re

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import ast
from pathlib import Path

import nbformat

from authoring.hidden import hidden_part
from authoring.references import build as build_model
from autograder.verdict import PASSED, judge_record
from nncost import COURSE
from nncost.answers import record, run

SOURCE = Path(__file__).resolve().parent.parent / "source"
ASSIGNMENTS = ["dense", "cnn", "recurrent"]


def _notebook(assignment: str):
    return nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)


def _graded(assignment: str, grade_id: str):
    return next(
        c
        for c in _notebook(assignment).cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        and c.metadata["nbgrader"].get("grade")
    )


def _solution(assignment: str) -> str:
    """The notebook's solution cell that defines compute(model)."""
    return next(
        c.source
        for c in _notebook(assignment).cells
        if c.metadata.get("nbgrader", {}).get("solution") and "def compute(model)" in c.source
    )


def _cases(assignment: str) -> list[list[str]]:
    """The [description, model expression] cases the hidden test runs compute on."""
    call = ast.parse(hidden_part(_graded(assignment, "compute_params").source)).body[-1].value
    part = call.args[1]
    return ast.literal_eval(next(k.value for k in part.keywords if k.arg == "cases"))


SOLUTIONS = {a: _solution(a) for a in ASSIGNMENTS}
CASES = {a: _cases(a) for a in ASSIGNMENTS}


def _compute(source: str):
    import math

    import keras

    code = re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "", source, flags=re.MULTILINE)
    scope = {
        "keras": keras,
        "math": math,
        "ACTIVATION_FLOPS": {
            n: COURSE.activation_flops[n] for n in ("linear", "relu", "sigmoid", "tanh", "softmax")
        },
    }
    exec(code, scope)  # noqa: S102 — the notebook's own solution cell
    return scope["compute"]


def _crashes_on_input_layers(compute):
    """compute as a student writes it for Sequential models only: it reads a Dense attribute
    from every layer that is not a pooling or Flatten layer, so an InputLayer breaks it."""

    def crashing(model):
        for layer in model.layers:
            if type(layer).__name__ == "InputLayer":
                _ = layer.units  # AttributeError, as in a compute that does not skip it
        return compute(model)

    return crashing


def _compute_check(assignment: str, index: int) -> dict:
    grade_id = ("compute_params", "compute_flops")[index]
    return _graded(assignment, grade_id).metadata["nncost"]["verdict"][0]


@pytest.mark.parametrize("assignment", list(CASES))
def test_each_notebook_runs_compute_on_a_functional_model(assignment):
    models = [build_model(code) for _, code in CASES[assignment]]
    functional = [m for m in models if type(m.layers[0]).__name__ == "InputLayer"]
    assert functional, f"add a keras.Model(inputs, outputs) case to {assignment}'s compute cases"


@pytest.mark.parametrize("assignment", list(CASES))
def test_a_compute_that_forgets_the_input_layer_loses_the_compute_parts(assignment):
    models = [build_model(code) for _, code in CASES[assignment]]
    for index in (0, 1):
        check = _compute_check(assignment, index)
        solution = _compute(SOLUTIONS[assignment])
        for compute, passes in ((solution, True), (_crashes_on_input_layers(solution), False)):
            answers = record("compute", {"outputs": run(compute, models), "uses": []})["answers"]
            got = judge_record([check], answers)
            assert (got == PASSED) is passes, got


def test_the_dense_compute_without_the_skip_crashes_on_a_functional_model():
    """Why the skip is there: the dense solution reads layer.input.shape and layer.units."""
    source = re.sub(
        r"\n\s*if isinstance\(layer, keras\.layers\.InputLayer\):.*\n\s*continue",
        "",
        SOLUTIONS["dense"],
    )
    assert "InputLayer" not in source
    functional = next(build_model(code) for _, code in CASES["dense"] if "Model(" in code)
    with pytest.raises(AttributeError):  # InputLayer.input is a list, and it has no units
        _compute(source)(functional)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_conventions_cell_says_when_model_layers_holds_an_input_layer(assignment):
    text = " ".join("\n".join(c.source for c in _notebook(assignment).cells).split())
    assert "A `keras.Sequential` model's `model.layers` leaves it out" in text
    assert (
        "a functional model's (`keras.Model(inputs, outputs)`) starts with a "
        "`keras.layers.InputLayer`" in text
    )
