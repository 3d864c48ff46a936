"""Grade a synthetic class with the real nbgrader: perfect, partial, blank, crashing,
looping, broken and tampering students. Every expected grade is stated here.

The course is a tiny assignment (no TensorFlow) so the whole class grades in about a
minute: part a (1 point) returns 42, part b (2 points) doubles a number.
"""

import copy
import csv
import json
import re

import nbformat
import pytest

from autograder import grading
from autograder.audit import audit_source

SETUP = "import math"
SOL_A = "def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION"
TEST_A = ("assert answer() is not None\n### BEGIN HIDDEN TESTS\n"
          "assert math.isclose(float(answer()), 42.0)\n### END HIDDEN TESTS")
SOL_B = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
TEST_B = ("assert double(3) == 6\n### BEGIN HIDDEN TESTS\n"
          "assert double(-4) == -8, 'double(-4) should be -8'\n### END HIDDEN TESTS")


def _cell(source, grade_id, *, solution=False, grade=False, locked=False, points=None):
    cell = nbformat.v4.new_code_cell(source)
    meta = {"grade": grade, "solution": solution, "locked": locked, "schema_version": 3,
            "grade_id": grade_id, "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def _source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny assignment"),
        _cell(SETUP, "setup", locked=True),
        _cell(SOL_A, "sol_a", solution=True),
        _cell(TEST_A, "test_a", grade=True, locked=True, points=1),
        _cell(SOL_B, "sol_b", solution=True),
        _cell(TEST_B, "test_b", grade=True, locked=True, points=2),
    ]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "source" / "tiny").mkdir(parents=True)
    nbformat.write(_source_notebook(), root / "source" / "tiny" / "tiny.ipynb")
    limits = grading.Limits(cell_timeout=4, notebook_timeout=40, memory_gb=4)
    work = root / "out" / "work"
    template = grading.prepare_template(root / "source", work, {"tiny": ["tiny"]}, limits)
    released = nbformat.read(template / "release" / "tiny" / "tiny.ipynb", as_version=4)
    return root, released, limits


def _student(released, a=None, b=None, edit=None):
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "sol_a" and a is not None:
            cell.source = a
        if gid == "sol_b" and b is not None:
            cell.source = b
    if edit:
        edit(nb)
    return nb


RIGHT_A = "def answer():\n    return 42"
RIGHT_B = "def double(x):\n    return 2 * x"
WRONG_B = "def double(x):\n    return x + 3"  # passes the visible test, fails the hidden one


def _drop_tests(nb):
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]


def _gut_tests(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.source = "pass"


def _inflate_points(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.metadata["nbgrader"]["points"] = 100


def _own_grade_cell(nb):
    nb.cells.append(_cell("assert True", "bonus", grade=True, locked=True, points=50))


def _fake_outputs(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
            c.execution_count = 1


# (student, notebook maker, expected score out of 3)
HONEST = {
    "perfect": (lambda r: _student(r, RIGHT_A, RIGHT_B), 3),
    "partial": (lambda r: _student(r, RIGHT_A, WRONG_B), 1),
    "blank": (lambda r: _student(r), 0),
    "looping": (lambda r: _student(r, RIGHT_A, "while True:\n    pass"), 1),
    "memory_hog": (lambda r: _student(r, RIGHT_A, "x = bytearray(8 * 1024**3)\n" + RIGHT_B), 1),
    # part a answered right, then part b's cell kills the kernel (a segfault): part a counts
    "crashing": (lambda r: _student(r, RIGHT_A, "import faulthandler\nfaulthandler._sigsegv()"), 1),
    # part b's loop swallows the interrupt: the kernel never answers again
    "stubborn_loop": (lambda r: _student(r, RIGHT_A, (
        "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
        "    except KeyboardInterrupt:\n        pass")), 1),
}
ATTACKS = {
    "hide_tracebacks": "get_ipython().showtraceback = lambda *a, **k: None",
    "empty_every_cell": "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
    "patch_isclose": "math.isclose = lambda *a, **k: True",
    "patch_builtins": "import builtins\nbuiltins.float = lambda x: 42.0",
    "lying_eq": "class Yes(int):\n    def __eq__(self, other):\n        return True\n"
                "def double(x):\n    return Yes(0)",
    "exec_obfuscated": "exec('get_' + 'ipython().showtraceback = None')",
    "exit_kernel": "import os\nos._exit(0)",
}
EDITS = {
    "deleted_tests": _drop_tests,
    "gutted_tests": _gut_tests,
    "inflated_points": _inflate_points,
    "own_grade_cell": _own_grade_cell,
    "faked_outputs": _fake_outputs,
}


@pytest.fixture(scope="module")
def graded(course):
    root, released, limits = course
    subs = root / "submissions"
    for name, (make, _) in HONEST.items():
        path = subs / name / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(make(released), path)
    for name, code in ATTACKS.items():
        path = subs / f"attack_{name}" / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_student(released, a=code), path)
    for name, edit in EDITS.items():
        path = subs / f"attack_{name}" / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_student(released, edit=edit), path)
    (subs / "broken_json" / "tiny").mkdir(parents=True)
    (subs / "broken_json" / "tiny" / "tiny.ipynb").write_text("{ not json")
    (subs / "misnamed" / "tiny").mkdir(parents=True)
    nbformat.write(_student(released, RIGHT_A, RIGHT_B), subs / "misnamed" / "tiny" / "Tiny (1).ipynb")
    (subs / "missing" / "tiny").mkdir(parents=True)
    out = root / "out"
    records = grading.grade(subs, out, workers=2, source=root / "source", limits=limits)
    return out, {r["student"]: r for r in records}


def _scores(out):
    with (out / "grades.csv").open() as fh:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}


def test_honest_students_get_exactly_their_points(graded):
    out, records = graded
    scores = _scores(out)
    for name, (_, expected) in HONEST.items():
        if expected is not None:
            assert scores[name] == expected, (name, records[name])
    assert any("kernel died" in p for p in records["crashing"]["problems"])


def test_broken_misnamed_and_missing_notebooks_score_zero_with_a_line(graded):
    out, records = graded
    scores = _scores(out)
    assert scores["broken_json"] == scores["misnamed"] == scores["missing"] == 0
    assert any("not a valid notebook" in p for p in records["broken_json"]["problems"])
    assert any("misnamed" in p and "rename" in p for p in records["misnamed"]["problems"])
    assert any("missing" in p for p in records["missing"]["problems"])
    summary = (out / "summary.md").read_text()
    assert "broken_json" in summary and "misnamed" in summary


@pytest.mark.parametrize("attack", [*ATTACKS, *EDITS])
def test_no_attack_scores_more_than_blank(graded, attack):
    out, records = graded
    scores = _scores(out)
    assert scores[f"attack_{attack}"] <= scores["blank"] == 0, records[f"attack_{attack}"]


def test_kernel_tampering_is_flagged_in_the_summary(graded):
    out, records = graded
    for attack in ATTACKS:
        assert records[f"attack_{attack}"]["flags"], attack
    assert not records["perfect"]["flags"] and not records["partial"]["flags"]
    summary = (out / "summary.md").read_text()
    assert "attack_patch_isclose" in summary and "monkeypatching" in summary


def test_grades_csv_has_nbgraders_columns(graded):
    out, _ = graded
    with (out / "grades.csv").open() as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames[:4] == ["assignment", "duedate", "timestamp", "student_id"]
    assert {"score", "max_score"} <= set(reader.fieldnames)
    assert all(row["max_score"] == "3" for row in rows)
    assert len(rows) == len(HONEST) + len(ATTACKS) + len(EDITS) + 3


def test_feedback_hides_hidden_tests(graded):
    out, _ = graded
    raw = (out / "feedback" / "partial" / "tiny" / "tiny.html").read_text()
    html = __import__("html").unescape(re.sub(r"<[^>]+>", "", raw))  # text without markup
    assert "double(3) == 6" in html  # the visible test is shown
    assert "double(-4) == -8" not in html  # the hidden test's code is not
    assert "double(-4) should be -8" in html  # its message is


def test_flagged_feedback_says_why_the_score_is_zero(graded):
    out, _ = graded
    html = (out / "feedback" / "attack_patch_isclose" / "tiny" / "tiny.html").read_text()
    assert "Flagged for review" in html and "monkeypatching" in html
    assert "Flagged for review" not in (out / "feedback" / "perfect" / "tiny" / "tiny.html").read_text()


def test_summary_and_histogram(graded):
    out, _ = graded
    assert (out / "histogram.png").stat().st_size > 1000
    per_q = (out / "per_question.csv").read_text()
    assert "test_a" in per_q and "test_b" in per_q


def test_rerun_resumes_and_gives_the_same_grades(graded, course):
    out, _ = graded
    root, _, limits = course
    before = (out / "grades.csv").read_text()
    # an interrupted run: some records lost, the rest kept; the lost ones are graded again,
    # this time serially (workers=1), and every grade comes out the same as in the parallel run
    regraded = ["partial", "perfect", "attack_hide_tracebacks"]
    for student in regraded:
        (out / "results" / f"{student}.json").unlink()
    again = grading.grade(root / "submissions", out, workers=1, source=root / "source", limits=limits)
    assert (out / "grades.csv").read_text() == before
    for student in regraded:
        assert json.loads((out / "results" / f"{student}.json").read_text())["student"] == student
    assert len(again) == len(_scores(out))


@pytest.mark.parametrize(
    "code, flagged",
    [
        ("import nncost\nnncost.profile = None", True),
        ("from nncost import formulas\nformulas.dense_params = len", True),
        ("setattr(math, 'isclose', max)", True),
        ("import numpy as np\nnp.random.seed(0)\nx = np.zeros(3)\nx[0] = 1", False),
        (("def compute(model):\n    total = 0\n    for layer in model.layers:\n"
          "        total += layer.count_params()\n    return total, 0"), False),
        ("%%capture\nx = 1", True),
        ("%matplotlib inline\nx = 1", False),
    ],
)
def test_audit(code, flagged):
    assert bool(audit_source(code, {"math"})) is flagged


def test_collect_reads_a_flat_zip_as_zip_collect_takes_it(tmp_path, course):
    """`<student>_<notebook>.ipynb` files in a zip, as nbgrader's zip_collect takes them."""
    import zipfile

    _, released, _ = course
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ann_tiny.ipynb", nbformat.writes(_student(released, RIGHT_A, RIGHT_B)))
        zf.writestr("bob_tiny.ipynb", nbformat.writes(_student(released)))
        zf.writestr("cat_tiny (1).ipynb", nbformat.writes(_student(released)))
    subs = grading.collect(archive, {"tiny": ["tiny"]}, tmp_path / "scratch")
    by = {s.student: s for s in subs}
    assert set(by) == {"ann", "bob", "cat"}
    assert set(by["ann"].notebooks["tiny"]) == {"tiny"} and not by["ann"].problems
    assert any("unknown assignment" in p for p in by["cat"].problems)  # misnamed: not graded
