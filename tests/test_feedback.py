"""Feedback: no hidden test, no rubric (``HideHiddenTests``); nbconvert's HTML, with the
templates compiled once (``FeedbackExporter``).

nbgrader makes one exporter per notebook it feeds back; the exporter's compiled Jinja
templates are kept for the next one, and the HTML is the same as nbconvert's own exporter's.
"""

from __future__ import annotations

import copy

import jinja2
import nbformat
import pytest
from nbconvert.exporters import HTMLExporter

from autograder.feedback import COMPILED, FeedbackExporter, HideHiddenTests


def _notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(6 * 7)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Feedback\n\n*the answer*"), code]
    return nb


@pytest.fixture
def compiled(monkeypatch) -> list:
    """The names of the templates Jinja compiles from now on."""
    names: list = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def test_the_html_is_nbconverts_and_the_templates_are_compiled_once(compiled):
    COMPILED.clear()
    nb = _notebook()
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    compiled.clear()
    first, _ = FeedbackExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    assert compiled, "the first exporter compiles the templates"
    compiled.clear()
    second, _ = FeedbackExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    assert compiled == [], "a second exporter in the same process compiles nothing"
    assert first == second == theirs


def test_a_warmed_worker_has_compiled_the_feedback_templates_before_its_first_student(
    compiled,
):
    """``warm`` (a grading worker's, while the zygote imports) compiles the templates the
    course's feedback uses: the first student's feedback compiles nothing."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    from autograder.coursedir import course_config
    from autograder.feedback import warm

    COMPILED.clear()
    config = course_config()
    warm(config)
    compiled.clear()
    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)
    resources = {"nbgrader": {"notebook": "nb", "score": 1, "max_score": 1, "late_penalty": 0}}
    html, _ = exporter.from_notebook_node(_notebook(), resources)
    assert compiled == [] and "42" in html


def test_feedback_shows_neither_the_hidden_tests_nor_the_rubrics():
    task = nbformat.v4.new_markdown_cell(
        "## Exercise 1\n\nWhy CNNs?\n\n### BEGIN MARK SCHEME\n**Rubric (3 points).** "
        "weight sharing\n### END MARK SCHEME"
    )
    task.metadata["nbgrader"] = {
        "task": True,
        "grade": False,
        "solution": False,
        "locked": True,
        "points": 3,
        "grade_id": "ex1",
    }
    test = nbformat.v4.new_code_cell(
        "assert answer() is not None\n### BEGIN HIDDEN TESTS\nassert answer() == 42\n"
        "### END HIDDEN TESTS"
    )
    test.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "t",
    }
    test.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="AssertionError",
            evalue="want 42",
            traceback=["assert answer() == 42", "AssertionError"],
        )
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [task, test]
    HideHiddenTests().preprocess(nb, {})
    assert task.source == "## Exercise 1\n\nWhy CNNs?\n"
    assert test.source == "assert answer() is not None"
    assert test.outputs[0]["traceback"] == ["AssertionError: want 42"]
