"""The authoring side: the source notebooks are the masters, hidden tests call one helper.

- every source notebook's references are compiled from its hidden tests, and are what nncost
  gives today (hand-derived numbers below for some);
- the hidden-test helper: what the kernel hands over, what the release reads, the errors an
  author gets;
- the kernel form (what the gradebook keeps and the grading kernel runs) holds no reference;
- an instructor changes a number in a question and adds a question by editing one notebook,
  runs one command, and the class is graded by the new questions.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from authoring import hidden
from authoring.build import compile_notebook, graded_cells, stale, sync, twin, twin_text
from authoring.hidden import HiddenTestError, compile_cell, kernel_form

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ["dense", "cnn", "recurrent", "cnn_concepts"]

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def _source(name: str):
    return nbformat.read(ROOT / "source" / name / f"{name}.ipynb", as_version=4)


def _checks(nb, grade_id: str) -> list[dict]:
    cell = next(c for c in graded_cells(nb) if c.metadata["nbgrader"]["grade_id"] == grade_id)
    return cell.metadata["nncost"]["verdict"]


# --------------------------------------------------------------------------- the references
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_references_are_compiled_from_the_hidden_tests_with_todays_nncost(name, tmp_path):
    nb = _source(name)
    assert stale(nb) == [], f"run `python -m autograder release` ({name})"
    copy_ = tmp_path / f"{name}.ipynb"
    shutil.copy(ROOT / "source" / name / f"{name}.ipynb", copy_)
    assert not compile_notebook(copy_), f"nncost now gives other references: release {name}"


def test_dense_references_by_hand():
    nb = _source("dense")
    # Q1 5→5→5→1: (5·5+5) + (5·5+5) + (5·1+1) = 66 parameters; Q2 4→9→6→3: 45 + 60 + 21 = 126;
    # 7→3→4: 24 + 16 = 40; 2→6→5→1: 18 + 35 + 6 = 59; functional 6→4→2: 28 + 10 = 38
    assert _checks(nb, "compute_params")[0]["want"] == [66, 126, 40, 59, 38]
    # FLOPs: 2·weights + units·activation cost; Q1: 2·55 + (5 + 5 + 1)·1 = 121
    # Q2: 2·(36 + 54 + 18) + 9 + 6 + 3·6 = 216 + 33 = 249
    assert _checks(nb, "compute_flops")[0]["want"][:2] == [121, 249]
    size = {c["answer"]: c["want"] for c in _checks(nb, "q1_size")}
    assert size == {"q1_size_bytes": {"type": "int", "value": 66 * 4}, "q1_size_kb": 264 / 1024}
    assert _checks(nb, "q1_time")[0]["want"] == pytest.approx(121 / 1e9)
    ratios = {c["answer"]: c["want"] for c in _checks(nb, "q2_compare")}
    assert ratios == pytest.approx({"params_ratio": 126 / 66, "flops_ratio": 249 / 121})


def test_concepts_references_by_hand():
    nb = _source("cnn_concepts")
    wants = {
        c["answer"]: c["want"]
        for gid in ("ex1_numbers_test", "ex4_numbers_test", "ex6_separable_test")
        for c in _checks(nb, gid)
    }
    assert wants == {
        "dense_params": 200 * 300 * 3 * 100 + 100,  # 18,000,100
        "conv_params": 3 * 3 * 3 * 100 + 100,  # 2,800
        "pool_params": 0,
        "strided_conv_params": 3 * 3 * 200 * 200 + 200,  # 360,200
        "separable_params": 3 * 3 * 200 + 200 * 400 + 400,  # depthwise + pointwise + biases
    }
    shapes = {c["answer"]: c["want"] for c in _checks(nb, "ex7_numbers_test")}
    assert shapes["fcn_output_shape"] == [14 - 7 + 1, 14 - 7 + 1, 200]
    side = {c["answer"]: c["want"] for c in _checks(nb, "ex8_numbers_test")}
    assert side == {"segmentation_map_side": 224 // 2**5, "upsampling_factor": 2**5}


# --------------------------------------------------------------------------- the helper
CELL = (
    "assert True\n### BEGIN HIDDEN TESTS\nimport authoring.hidden as _hidden\n\n"
    "_hidden.expect(\n    'part',\n"
    "    _hidden.integer('n', 'params(course.q1())', 'number of parameters'),\n"
    "    _hidden.choice('letter', 'b', 'think of the depth axis', hints=[['c', 'no']]),\n"
    ")\n### END HIDDEN TESTS"
)


def test_the_release_reads_the_call_and_nncost_computes_the_reference():
    assert compile_cell("part", CELL) == [
        {
            "kind": "equal",
            "answer": "n",
            "want": {"type": "int", "value": 66},
            "message": "n is not the number of parameters",
        },
        {
            "kind": "choice",
            "answer": "letter",
            "want": "b",
            "message": "think of the depth axis",
            "hints": [["c", "no"]],
        },
    ]


def test_the_kernel_form_keeps_the_names_and_drops_every_reference():
    form = kernel_form("part", CELL)
    assert form.startswith("assert True\n### BEGIN HIDDEN TESTS\n")
    body = hidden.hidden_part(form)
    assert "_hidden.integer('n')" in body and "_hidden.choice('letter')" in body
    for secret in ("params(", "'b'", "depth axis", "hints", "66"):
        assert secret not in body


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_reference_reaches_the_grading_kernel(name):
    """Every number ≥ 10 and every letter the checks expect is absent from the kernel form."""
    for cell in graded_cells(_source(name)):
        gid = cell.metadata["nbgrader"]["grade_id"]
        body = hidden.hidden_part(kernel_form(gid, cell.source))
        for check in cell.metadata["nncost"]["verdict"]:
            want = check.get("want")
            values = want if isinstance(want, list) else [want]
            for value in values:
                if isinstance(value, dict):
                    value = value.get("value")
                if isinstance(value, str) or (isinstance(value, (int, float)) and value >= 10):
                    assert not re.search(rf"(?<![\w.]){re.escape(repr(value))}(?![\w])", body), (
                        gid,
                        value,
                    )


def test_the_kernel_side_hands_over_the_named_answers(monkeypatch):
    import nncost.answers

    exported = []
    monkeypatch.setattr(
        nncost.answers, "export", lambda grade_id, **kw: exported.append((grade_id, kw))
    )
    namespace = {"n": 66, "letter": "b", "other": 1}
    exec(hidden.hidden_part(kernel_form("part", CELL)), namespace)  # noqa: S102 — as a kernel
    assert exported == [("part", {"n": 66, "letter": "b"})]
    exported.clear()
    exec(hidden.hidden_part(kernel_form("part", CELL)), {"n": 66})  # noqa: S102 — no letter
    assert exported == [("part", {"n": 66})]  # the grader then says "letter was not recorded"


@pytest.mark.parametrize(
    ("hidden_part", "message"),
    [
        ("_hidden.expect('part', _hidden.integer('n', params, 'x'))", "must be literals"),
        ("_hidden.expect('other', _hidden.integer('n', '1', 'x'))", "must be 'part'"),
        ("_hidden.integer('n', '1', 'x')", "exactly one _hidden.expect"),
        ("_hidden.expect('part', _hidden.guess('n'))", "one of _hidden.model"),
        ("_hidden.expect('part', _hidden.integer('n', 'params(nothing)', 'x'))", "NameError"),
        ("_hidden.expect('part',", "not valid Python"),
    ],
)
def test_an_unreadable_hidden_test_names_the_cell_and_the_fix(hidden_part, message):
    source = f"### BEGIN HIDDEN TESTS\n{hidden_part}\n### END HIDDEN TESTS"
    with pytest.raises(HiddenTestError, match=re.escape(message)) as error:
        compile_cell("part", source)
    assert "graded cell 'part'" in str(error.value)


# --------------------------------------------------------------------------- text twins
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_source_notebook_has_its_text_twin_in_sync(name):
    path = ROOT / "source" / name / f"{name}.ipynb"
    assert twin(path).read_text() == twin_text(_source(name)), (
        f"{twin(path).name} differs from {name}.ipynb: run `python -m autograder release`"
    )
    assert not list((ROOT / "assignments" / name).glob("*.source.md"))  # never released


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_twin_reads_back_as_the_notebook(name):
    import jupytext

    def cells(nb):
        return [
            (c.cell_type, c.source, c.metadata.get("nbgrader"), c.metadata.get("tags"))
            for c in nb.cells
        ]

    path = ROOT / "source" / name / f"{name}.ipynb"
    assert cells(jupytext.read(twin(path), fmt="md")) == cells(_source(name))


def test_an_edited_twin_updates_the_notebook_and_keeps_what_the_twin_leaves_out(tmp_path):
    for file in ("dense.ipynb", "dense.source.md"):
        shutil.copy2(ROOT / "source" / "dense" / file, tmp_path / file)
    path = tmp_path / "dense.ipynb"
    assert sync(path) == "in sync"
    text = twin(path).read_text()
    assert "**1 GFLOPS** processor" in text
    twin(path).write_text(text.replace("**1 GFLOPS** processor", "**2 GFLOPS** processor"))
    os.utime(twin(path), (path.stat().st_mtime + 5,) * 2)  # edited after the notebook
    assert sync(path) == "notebook updated"
    before, after = _source("dense"), nbformat.read(path, as_version=4)
    changed = [a.id for a, b in zip(after.cells, before.cells) if a.source != b.source]
    assert changed == [before.cells[0].id] and "**2 GFLOPS** processor" in after.cells[0].source
    assert [(c.id, c.metadata) for c in after.cells] == [(c.id, c.metadata) for c in before.cells]
    assert sync(path) == "in sync"


def test_the_sync_command_syncs_every_notebook_of_a_course(tmp_path, capsys):
    from authoring.__main__ import main

    for name in ("dense", "cnn"):
        (tmp_path / "source" / name).mkdir(parents=True)
        shutil.copy2(ROOT / "source" / name / f"{name}.ipynb", tmp_path / "source" / name)
    assert main(["sync", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count(": twin written") == 2
    assert (tmp_path / "source" / "cnn" / "cnn.source.md").read_text() == twin_text(_source("cnn"))


# --------------------------------------------------------------------------- points
def test_points_are_filled_in_from_the_metadata():
    from authoring.points import fill

    nb = nbformat.v4.new_notebook()
    task = nbformat.v4.new_markdown_cell("### Task — {points:a+b}; part b: {max:b}; all {max:all}")
    a = nbformat.v4.new_code_cell("# Graded ({points})")
    b = nbformat.v4.new_code_cell("# Graded ({points})")
    mine = nbformat.v4.new_code_cell("print(f'{points}')")  # a student's cell: never touched
    for cell, gid, points in ((a, "a", 1), (b, "b", 2)):
        cell.metadata["nbgrader"] = {
            "grade": True,
            "solution": False,
            "grade_id": gid,
            "points": points,
        }
    nb.cells = [task, a, b, mine]
    fill(nb)
    assert [c.source for c in nb.cells] == [
        "### Task — 3 points; part b: 2; all 3",
        "# Graded (1 point)",
        "# Graded (2 points)",
        "print(f'{points}')",
    ]


def test_a_point_placeholder_naming_no_cell_says_how_to_fix_it():
    from authoring.points import PointsError, fill

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("### Task — {points:q9}")]
    with pytest.raises(PointsError, match="'q9', which has no points; give that cell points"):
        fill(nb)


# --------------------------------------------------------------------------- change a question
def _replace(cell, old: str, new: str) -> None:
    assert old in cell.source, (cell.metadata.get("nbgrader", {}).get("grade_id"), old)
    cell.source = cell.source.replace(old, new)


def _cell(nb, grade_id: str, *, solution: bool = False):
    return next(
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        and bool(c.metadata["nbgrader"].get("solution")) is solution
    )


def _edit_dense(nb) -> None:
    """What an instructor does in JupyterLab: question 1's processor becomes 2 GFLOPS, and a
    new task asks for question 1's weights (biases left out), worth 2 points."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "Task 1.4" in cell.source:
            task = cell
    _replace(task, "1 GFLOPS", "2 GFLOPS")
    _replace(_cell(nb, "q1_time_answer", solution=True), "/ 1e9", "/ 2e9")
    _replace(_cell(nb, "q1_time"), "time_s(course.q1())", "time_s(course.q1(), gflops=2)")
    at = nb.cells.index(_cell(nb, "q1_time")) + 1
    question = nbformat.v4.new_markdown_cell(
        "### Task 1.5: weights — {points:q1_weights}\n\nSet `q1_weights`."
    )
    solution = nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nq1_weights = 5 * 5 + 5 * 5 + 5 * 1\n### END SOLUTION"
    )
    test = nbformat.v4.new_code_cell(
        "assert isinstance(q1_weights, int)\n### BEGIN HIDDEN TESTS\n"
        "import authoring.hidden as _hidden\n\n_hidden.expect(\n    'q1_weights',\n"
        "    _hidden.integer('q1_weights', "
        "'params(course.q1()) - sum(layer.units for layer in course.q1().layers)', "
        "'number of weights of question 1'),\n)\n### END HIDDEN TESTS"
    )
    base = {"schema_version": 3, "task": False, "locked": False, "grade": False}
    solution.metadata["nbgrader"] = {**base, "solution": True, "grade_id": "q1_weights_answer"}
    test.metadata["nbgrader"] = {
        **base,
        "solution": False,
        "grade": True,
        "locked": True,
        "points": 2,
        "grade_id": "q1_weights",
    }
    nb.cells[at:at] = [question, solution, test]


def _student(release, source, answers: dict[str, str]):
    """The released notebook with every solution cell answered as the instructor did, then
    ``answers`` ({grade_id: text}) replacing some."""
    nb = copy.deepcopy(release)
    solved = {
        c.metadata["nbgrader"]["grade_id"]: re.sub(
            r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", "", c.source, flags=re.MULTILINE
        )
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers.get(gid, solved[gid])
    return nb


def test_an_instructor_changes_a_question_and_adds_one_in_the_notebook_then_releases(tmp_path):
    from autograder import grading

    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "source" / "dense", course / "source" / "dense")
    path = course / "source" / "dense" / "dense.ipynb"
    nb = nbformat.read(path, as_version=4)
    old_time = _cell(nb, "q1_time_answer", solution=True).source
    _edit_dense(nb)
    nbformat.write(nb, path)

    # the one command
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "release", "--root", str(course)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    source = nbformat.read(path, as_version=4)
    assert stale(source) == []
    assert _checks(source, "q1_time")[0]["want"] == pytest.approx(121 / 2e9)  # 2 GFLOPS now
    assert _checks(source, "q1_weights")[0]["want"] == {"type": "int", "value": 55}  # 66 − 11
    release = nbformat.read(course / "assignments" / "dense" / "dense.ipynb", as_version=4)
    text = "\n".join(c.source for c in release.cells)
    assert "2 GFLOPS" in text and "q1_weights = 5" not in text
    assert "### Task 1.5: weights — 2 points" in text  # from the new cell's metadata
    assert "| **13** |" in release.cells[0].source  # the table's total, 11 + 2
    twin_ = (course / "source" / "dense" / "dense.source.md").read_text()
    assert "Task 1.5: weights" in twin_  # the text twin follows the notebook

    subs = tmp_path / "subs"
    for student, answers in {
        "follows": {},  # answers the questions as they are now
        "old_processor": {"q1_time_answer": old_time.replace("### BEGIN SOLUTION\n", "")},
    }.items():
        (subs / student / "dense").mkdir(parents=True)
        nbformat.write(_student(release, source, answers), subs / student / "dense" / "dense.ipynb")
    limits = grading.Limits(cell_timeout=60, notebook_timeout=300, memory_gb=4)
    records = {
        r["student"]: {
            gid: part["score"] for gid, part in r["assignments"]["dense"]["dense"].items()
        }
        for r in grading.grade(subs, tmp_path / "out", course=course, workers=1, limits=limits)
    }
    follows, old = records["follows"], records["old_processor"]
    assert follows["q1_weights"] == 2 and follows["q1_time"] == 1
    assert sum(follows.values()) == 11 + 2  # the new question's 2 points, from its metadata
    assert old["q1_time"] == 0 and sum(old.values()) == 11 + 2 - 1
