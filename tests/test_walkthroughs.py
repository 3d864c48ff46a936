"""The self-study walkthroughs (``make walkthroughs``), built without executing them."""

import os
import re

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import nbformat

from authoring import walkthroughs

COST = ["dense/dense", "cnn/cnn", "recurrent/recurrent"]


def _source(path: str):
    return nbformat.read(walkthroughs.SOURCE / f"{path}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def built():
    return dict(walkthroughs.notebooks())


def _text(nb) -> str:
    return "\n".join(c.source for c in nb.cells)


def test_every_notebook_has_a_walkthrough_in_reading_order(built):
    assert list(built) == [
        "dense/dense",
        "cnn/cnn",
        "recurrent/recurrent",
        "cnn_concepts/cnn_concepts",
    ]
    index = walkthroughs.index().cells[0].source
    links = re.findall(r"\]\(([^)]+)\.ipynb\)", index)
    assert links == list(built), "the index links every walkthrough, in reading order"


@pytest.mark.parametrize("path", COST)
def test_every_open_question_is_answered(path, built):
    """An open question in prose (not a task, not a heading or formula) is followed, in the
    source, by its answer: a walkthrough cell, which the walkthrough keeps."""
    source = _source(path)
    nb = built[path]
    ids = [c.id for c in nb.cells]
    asking = [
        c
        for c in source.cells
        if c.cell_type == "markdown"
        and walkthroughs.TAG not in c.metadata.get("tags", [])
        and not c.source.startswith("### Task")
        and any(
            line.rstrip().endswith("?") or "? " in line
            for line in c.source.splitlines()
            if not line.startswith(("#", "$", "\\"))
        )
    ]
    assert asking, "each notebook asks at least one open question"
    for cell in asking:
        answer = nb.cells[ids.index(cell.id) + 1]
        assert walkthroughs.TAG in answer.metadata.get("tags", []), (
            f"open question without an answer: {cell.source[:80]!r}"
        )
        assert answer.source.startswith("**Answer.** ") and len(answer.source) > 200


@pytest.mark.parametrize("path", COST)
def test_every_solution_is_explained(path, built):
    nb = built[path]
    solutions = [
        i
        for i, c in enumerate(_source(path).cells)
        if c.metadata.get("nbgrader", {}).get("solution")
    ]
    assert solutions
    for i in solutions:
        why = _source(path).cells[i + 1]
        assert why.source.startswith("**Why.** "), path
        assert why.id in [c.id for c in nb.cells]


def test_derivations_are_nncosts(built):
    import nncost
    import nncost.course

    for path, question in (
        ("cnn/cnn", "q3"),
        ("cnn/cnn", "q4"),
        ("cnn/cnn", "q5"),
        ("recurrent/recurrent", "q7"),
    ):
        args = (5,) if question == "q7" else ()
        report = nncost.profile(getattr(nncost.course, question)(*args))
        text = _text(built[path])
        assert "total FLOPs = " in text
        assert f"= {report.flops}\n" in text, f"{question}'s FLOPs derivation is missing"
        assert f"model size = {report.params} × 4 bytes = {report.model_size_bytes} bytes" in text


def test_concepts_walkthrough_has_model_answers_and_solutions_not_tests(built):
    nb = built["cnn_concepts/cnn_concepts"]
    text = _text(nb)
    for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "MARK SCHEME", "_hidden.expect"):
        assert marker not in text
    assert not [c for c in nb.cells if c.source in ("YOUR ANSWER HERE", "")]
    assert not [c for c in nb.cells if c.cell_type == "code" and "NotImplementedError" in c.source]
    source = _source("cnn_concepts/cnn_concepts")
    tasks = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("task")]
    assert text.count("**Model answer.**") == len(tasks) == 7
    for task in tasks:
        for item in task.metadata["nncost"]["rubric"]:
            assert item["criterion"] in text
    assert "the seed's answer" in text  # the notes where the seed is wrong
    solutions = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }
    for gid, code in solutions.items():
        if gid.startswith(("ex2", "ex9", "ex10")):
            body = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", code, flags=re.MULTILINE)
            assert body in text, f"{gid}'s solution is missing from the walkthrough"
    assert all("nbgrader" not in c.metadata and "nncost" not in c.metadata for c in nb.cells)


def test_cost_notebooks_show_pictures_and_explorers_after_their_tasks(built):
    for path, calls in (
        (
            "cnn/cnn",
            [
                "nncost.plot.layers(nncost.course.q3())",
                "nncost.widgets.explore(nncost.course.q3())",
            ],
        ),
        (
            "recurrent/recurrent",
            [
                "nncost.plot.layers(nncost.course.q7(5))",
                ("nncost.widgets.explore(nncost.course.q7(), seq_len=5)"),
            ],
        ),
    ):
        sources = [c.source for c in built[path].cells]
        last_task = max(i for i, s in enumerate(sources) if s.startswith("### Task"))
        for call in calls:
            assert call in sources and sources.index(call) > last_task
