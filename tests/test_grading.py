"""Grade a synthetic class with the real nbgrader: perfect, partial, blank, crashing,
looping, broken and tampering students. Every expected grade is stated here.

The course is a tiny assignment (no TensorFlow) so the whole class grades in about a
minute: part a (1 point) returns 42, part b (2 points) doubles a number, and part c
(2 points) is free text graded by a person. The hidden tests export answers
(:mod:`nncost.answers`) and :mod:`autograder.verdict` judges them outside the kernel.

The tamper suite: every trick is planted in a student who has part a right and part b wrong
(``double(x) = x + 3``, which passes the visible test). Without the trick that student earns
exactly 1 point; with it, exactly 1 point too.
"""

import copy
import csv
import json
import re
import shutil
import sqlite3
import warnings

import nbformat
import pytest

from authoring.build import compile_notebook
from autograder import grading
from autograder.audit import audit_source

SETUP = "import math"
SOL_A = "def answer():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION"
HIDDEN = "### BEGIN HIDDEN TESTS\nimport authoring.hidden as _hidden\n_hidden.expect"
TEST_A = (
    "a = answer()\nassert a is not None\n"
    f"{HIDDEN}('test_a', _hidden.integer('a', '6 * 7', 'answer'))\n### END HIDDEN TESTS"
)
SOL_B = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
TEST_B = (
    "assert double(3) == 6\nb = [double(-4), double(0), double(10)]\n"
    f"{HIDDEN}('test_b', _hidden.items('b', '[2 * x for x in (-4, 0, 10)]', 'int', "
    "'double(-4) should be -8'))\n### END HIDDEN TESTS"
)
#: what the release compiles the two hidden tests into (6 × 7 = 42; 2 × (−4, 0, 10))
VERDICT_A = [
    {
        "kind": "equal",
        "answer": "a",
        "want": {"type": "int", "value": 42},
        "message": "a is not the answer",
    }
]
VERDICT_B = [
    {
        "kind": "items",
        "answer": "b",
        "of": "int",
        "want": [-8, 0, 20],
        "message": "double(-4) should be -8",
    }
]
EXPLAIN = "Why is 42 the answer?\n\nYOUR ANSWER HERE"


def _cell(
    source,
    grade_id,
    *,
    solution=False,
    grade=False,
    locked=False,
    points=None,
    markdown=False,
):
    cell = nbformat.v4.new_markdown_cell(source) if markdown else nbformat.v4.new_code_cell(source)
    meta = {
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "schema_version": 3,
        "grade_id": grade_id,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def write_source(path) -> None:
    """The tiny instructor notebook at ``path``, its references compiled (as release does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(_source_notebook(), path)
    compile_notebook(path)


def _source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny assignment"),
        _cell(SETUP, "setup", locked=True),
        _cell(SOL_A, "sol_a", solution=True),
        _cell(TEST_A, "test_a", grade=True, locked=True, points=1),
        _cell(SOL_B, "sol_b", solution=True),
        _cell(TEST_B, "test_b", grade=True, locked=True, points=2),
        _cell(EXPLAIN, "explain", solution=True, grade=True, points=2, markdown=True),
    ]
    return nb


def test_the_release_compiles_the_hidden_tests_into_these_checks(course):
    source = nbformat.read(course[0] / "source" / "tiny" / "tiny.ipynb", as_version=4)
    compiled = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nncost"]["verdict"]
        for c in source.cells
        if "nncost" in c.metadata
    }
    assert compiled == {"test_a": VERDICT_A, "test_b": VERDICT_B}


LIMITS = grading.Limits(cell_timeout=4, notebook_timeout=40, memory_gb=4)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "source" / "tiny").mkdir(parents=True)
    write_source(root / "source" / "tiny" / "tiny.ipynb")
    work = root / "out" / "work"
    template = grading.prepare_template(root / "source", work, {"tiny": ["tiny"]}, LIMITS)
    released = grading.released(template, "tiny", "tiny")
    return root, released


def _student(released, a=None, b=None, edit=None, explain=None):
    nb = copy.deepcopy(released)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "sol_a" and a is not None:
            cell.source = a
        if gid == "sol_b" and b is not None:
            cell.source = b
        if gid == "explain" and explain is not None:
            cell.source = explain
    if edit:
        edit(nb)
    return nb


RIGHT_A = "def answer():\n    return 42"
RIGHT_B = "def double(x):\n    return 2 * x"
WRONG_B = "def double(x):\n    return x + 3"  # passes the visible test, fails the hidden one
PROSE = "Because Douglas Adams said so."


def _drop_tests(nb):
    nb.cells = [
        c
        for c in nb.cells
        if not c.metadata.get("nbgrader", {}).get("grade") or c.cell_type == "markdown"
    ]


def _gut_tests(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code":
            c.source = "pass"


def _inflate_points(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade"):
            c.metadata["nbgrader"]["points"] = 100


def _own_grade_cell(nb):
    nb.cells.append(_cell("assert True", "bonus", grade=True, locked=True, points=50))


def _fake_outputs(nb):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code":
            c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ passed\n")]
            c.execution_count = 1


def _forged_locked_cell(nb):
    """A cell whose metadata claims to be the instructor's locked setup, holding a patch."""
    at = next(
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("nbgrader", {}).get("grade_id") == "sol_b"
    )
    cell = _cell(
        "get_ipython().showtraceback = lambda *a, **k: None\nmath.isclose = lambda *a, **k: True",
        "setup2",
        locked=True,
    )
    nb.cells.insert(at + 1, cell)


# (student, notebook maker, expected autograded score out of 3)
HONEST = {
    "perfect": (lambda r: _student(r, RIGHT_A, RIGHT_B, explain=PROSE), 3),
    "partial": (lambda r: _student(r, RIGHT_A, WRONG_B, explain=PROSE), 1),
    "blank": (lambda r: _student(r), 0),
    "looping": (lambda r: _student(r, RIGHT_A, "while True:\n    pass"), 1),
    "memory_hog": (lambda r: _student(r, RIGHT_A, "x = bytearray(8 * 1024**3)\n" + RIGHT_B), 1),
    # part a answered right, then part b's cell kills the kernel (a segfault): part a counts
    "crashing": (lambda r: _student(r, RIGHT_A, "import faulthandler\nfaulthandler._sigsegv()"), 1),
    # part b's loop swallows the interrupt: the kernel never answers again
    "stubborn_loop": (
        lambda r: _student(
            r,
            RIGHT_A,
            (
                "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                "    except KeyboardInterrupt:\n        pass"
            ),
        ),
        1,
    ),
    # honest idioms that must not be flagged: stderr, %timeit, os.environ, the class's name
    "idioms": (
        lambda r: _student(
            r,
            RIGHT_A,
            (
                "import os, sys\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                "print('working it out', file=sys.stderr)\n"
                "def double(x):\n    return 2 * x\n"
                "kind = double.__class__.__name__\n%timeit double(3)"
            ),
        ),
        3,
    ),
}

#: tricks placed after the wrong part b; each must leave the student with exactly 1 point
_HOOK = "get_ipython().events.register('post_run_cell', "
TRICKS = {
    "hide_tracebacks": "get_ipython().showtraceback = lambda *a, **k: None",
    "custom_exception_handler": (
        "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"
    ),
    "excepthook": "import sys\nsys.excepthook = lambda *a: None",
    "empty_later_cells": "get_ipython().input_transformers_cleanup.append(lambda lines: [])",
    "patch_isclose": "math.isclose = lambda *a, **k: True",
    "patch_numpy": (
        "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.array_equal = lambda *a, **k: True"
    ),
    "patch_builtins": (
        "import builtins\nbuiltins.abs = lambda x: 0\n"
        "builtins.isinstance = lambda *a: True\nbuiltins.float = lambda x: 42.0"
    ),
    "importlib_builtins": (
        "import importlib\n_b = importlib.import_module('bui' + 'ltins')\n"
        "_b.abs = lambda x: 0\n_b.len = lambda x: 2"
    ),
    "getattr_on_module": "vars(__import__('ma' + 'th'))['isclose'] = lambda *a, **k: True",
    "exec_built_string": "exec('get_' + 'ipython().showtraceback = lambda *a, **k: None')",
    "sys_modules_swap": (
        "import sys, types\n_fake = types.ModuleType('nncost.answers')\n"
        "_fake.export = lambda *a, **k: None\nsys.modules['nncost.answers'] = _fake\n"
        "import nncost\nnncost.answers = _fake"
    ),
    "patch_encoder": (
        "import nncost.answers\n"
        "nncost.answers.encode = lambda v, _d=0: {'type': 'int', 'value': 42}"
    ),
    "lying_int": (
        "class Yes(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        "def double(x):\n    return Yes(x + 3)"
    ),
    "always_equal_object": (
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "def double(x):\n    return Anything()"
    ),
    "lying_float": (
        "class Close(float):\n    def __eq__(self, other):\n        return True\n"
        "def double(x):\n    return Close(x + 3)"
    ),
    "partial_credit_output": _HOOK + "lambda r: get_ipython().displayhook(2.0))",
    "forged_second_record": (
        _HOOK + "lambda r: __import__('nncost.answers').answers.export('test_b', b=[-8, 0, 20]))"
    ),
    "silence_display": "import IPython.display\nIPython.display.display = lambda *a, **k: None",
    "exit_kernel": "import os\nos._exit(0)",
    "kill_kernel": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "read_grader_files": (
        # the gradebooks (hidden tests as nbgrader stores them) and every notebook in the
        # student's grading folder and the template: none holds a reference value to copy
        "import pathlib, re, sqlite3\n_here = pathlib.Path.cwd()\n_found = []\n"
        "for _up in [_here, *_here.parents][:4] + [_here.parents[3].parent / '_template']:\n"
        "    for _p in list(_up.glob('gradebook.db')) + list(_up.rglob('*.ipynb'))[:200]:\n"
        "        _found += re.findall(r'\\[-?\\d+, -?\\d+, -?\\d+\\]', _p.read_text(errors='ignore')"
        " if _p.suffix == '.ipynb' else str(sqlite3.connect(_p).execute("
        "'select source from source_cells').fetchall()))\n"
        "_want = [int(x) for x in re.findall(r'-?\\d+', _found[0])] if _found else None\n"
        "def double(x):\n    return {-4: _want[0], 0: _want[1], 10: _want[2]}[x] if _want "
        "else x + 3"
    ),
}
EDITS = {
    "deleted_tests": _drop_tests,
    "gutted_tests": _gut_tests,
    "inflated_points": _inflate_points,
    "own_grade_cell": _own_grade_cell,
    "faked_outputs": _fake_outputs,
    "forged_locked_cell": _forged_locked_cell,
}


@pytest.mark.parametrize(
    "answers",
    [
        [1, 2],  # not a dict of answers
        {"m": {"type": "keras.Model", "inputs": [[5]], "layers": [1, 2], "params": 66}},
        {"m": {"type": "keras.Model", "inputs": 5, "layers": "Dense", "params": None}},
        {"m": "a bare string"},
    ],
)
def test_a_malformed_record_fails_its_part_and_never_stops_the_grader(answers):
    """A record is whatever the kernel wrote, forged ones included."""
    from autograder.verdict import PASSED, judge_record

    want = {"inputs": [[5]], "layers": [["Dense", "relu", 5, []]], "params": 30}
    assert judge_record([{"kind": "model", "answer": "m", "want": want}], answers) != PASSED


def test_the_tamper_suite_has_at_least_20_distinct_tricks():
    assert len(TRICKS) + len(EDITS) >= 20
    assert len(set(TRICKS.values())) == len(TRICKS)


@pytest.fixture(scope="module")
def graded(course):
    root, released = course
    subs = root / "submissions"
    for name, (make, _) in HONEST.items():
        path = subs / name / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(make(released), path)
    for name, code in TRICKS.items():
        path = subs / f"trick_{name}" / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_student(released, RIGHT_A, WRONG_B + "\n\n" + code), path)
    for name, edit in EDITS.items():
        path = subs / f"trick_{name}" / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_student(released, RIGHT_A, WRONG_B, edit=edit), path)
    (subs / "broken_json" / "tiny").mkdir(parents=True)
    (subs / "broken_json" / "tiny" / "tiny.ipynb").write_text("{ not json")
    (subs / "misnamed" / "tiny").mkdir(parents=True)
    nbformat.write(
        _student(released, RIGHT_A, RIGHT_B), subs / "misnamed" / "tiny" / "Tiny (1).ipynb"
    )
    (subs / "missing" / "tiny").mkdir(parents=True)
    out = root / "out"
    records = grading.grade(subs, out, course=root, workers=2, limits=LIMITS)
    return out, {r["student"]: r for r in records}


def _scores(out):
    with (out / "grades.csv").open() as fh:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}


def _auto(record):
    return sum(
        p["score"]
        for nb in record["assignments"]["tiny"].values()
        for p in nb.values()
        if not p["manual"]
    )


def test_honest_students_get_exactly_their_points(graded):
    out, records = graded
    scores = _scores(out)
    for name, (_, expected) in HONEST.items():
        assert _auto(records[name]) == expected, (name, records[name])
        assert scores[name] == expected, name  # nothing graded by hand yet
    assert any("kernel died" in p for p in records["crashing"]["problems"])


def test_honest_idioms_raise_no_flag(graded):
    _, records = graded
    for name in HONEST:
        assert not records[name]["flags"], (name, records[name]["flags"])


def test_broken_misnamed_and_missing_notebooks_score_zero_with_a_line(graded):
    out, records = graded
    scores = _scores(out)
    assert scores["broken_json"] == scores["misnamed"] == scores["missing"] == 0
    assert any("not a valid notebook" in p for p in records["broken_json"]["problems"])
    assert any("misnamed" in p and "rename" in p for p in records["misnamed"]["problems"])
    assert any("missing" in p for p in records["missing"]["problems"])
    summary = (out / "summary.md").read_text()
    assert "broken_json" in summary and "misnamed" in summary


@pytest.mark.parametrize("trick", [*TRICKS, *EDITS])
def test_a_trick_earns_exactly_the_honest_points(graded, trick):
    """Right part a, wrong part b, plus the trick: 1 point, as without the trick."""
    out, records = graded
    assert _auto(records[f"trick_{trick}"]) == 1, records[f"trick_{trick}"]
    assert _scores(out)[f"trick_{trick}"] == 1


def test_kernel_tricks_are_flagged_but_keep_their_score(graded):
    out, records = graded
    for trick in [*TRICKS, "forged_locked_cell"]:
        assert records[f"trick_{trick}"]["flags"], trick
    summary = (out / "summary.md").read_text()
    assert "trick_patch_isclose" in summary and "monkeypatching" in summary
    assert "scores stand as graded" in summary
    assert "scored 0" not in summary.split("## Flagged")[1]


def test_grades_csv_is_nbgraders_export(graded):
    out, _ = graded
    with (out / "grades.csv").open() as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames[:4] == ["assignment", "duedate", "timestamp", "student_id"]
    assert {"score", "max_score", "raw_score"} <= set(reader.fieldnames)
    assert all(float(row["max_score"]) == 5 for row in rows)  # 1 + 2 autograded, 2 by hand
    assert len(rows) == len(HONEST) + len(TRICKS) + len(EDITS) + 3


def test_feedback_hides_hidden_tests(graded):
    out, _ = graded
    raw = (out / "feedback" / "partial" / "tiny" / "tiny.html").read_text()
    html = __import__("html").unescape(re.sub(r"<[^>]+>", "", raw))  # text without markup
    assert "double(3) == 6" in html  # the visible test is shown
    assert "_hidden" not in html and "BEGIN HIDDEN" not in html  # the hidden test is not
    assert "double(-4) should be -8" in html  # its message is


def test_the_course_gradebook_holds_every_submission(graded, course):
    root, _ = course
    out, records = graded
    with sqlite3.connect(root / "gradebook.db") as db:
        students = {s for (s,) in db.execute("select id from student")}
    assert set(records) <= students
    assert (root / "autograded" / "perfect" / "tiny" / "tiny.ipynb").exists()
    assert (root / "submitted" / "perfect" / "tiny" / "tiny.ipynb").exists()
    summary = (out / "summary.md").read_text()
    # perfect and partial wrote an answer to part c; it waits for a person, it is no 0
    assert "awaiting manual grading: 2 parts, 4 points" in summary


def test_manual_grades_survive_a_regrade_and_reach_the_export(graded, course):
    root, _ = course
    out, _ = graded
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            grade = gb.find_grade("explain", "tiny", "tiny", "partial")
            assert grade.needs_manual_grade and grade.manual_score is None
            grade.manual_score = 1.5
            gb.db.commit()
    (out / "results" / "partial.json").unlink()  # partial is graded again from scratch
    grading.grade(root / "submissions", out, course=root, workers=2, limits=LIMITS)
    assert _scores(out)["partial"] == 1 + 1.5
    summary = (out / "summary.md").read_text()
    assert "awaiting manual grading: 1 part, 2 points" in summary  # perfect's, still waiting
    assert "to review: 1 part, 2 points" in summary  # partial's, graded, then regraded
    # a rerun that grades no one leaves the gradebook as the person left it
    grading.grade(root / "submissions", out, course=root, workers=2, limits=LIMITS)
    assert _scores(out)["partial"] == 1 + 1.5


def test_summary_and_histogram(graded):
    out, _ = graded
    assert (out / "histogram.png").stat().st_size > 1000
    per_q = (out / "per_question.csv").read_text()
    assert "test_a" in per_q and "test_b" in per_q


def test_rerun_resumes_and_gives_the_same_grades(graded, course):
    out, _ = graded
    root, _ = course
    before = _scores(out)
    # an interrupted run: some records lost, the rest kept; the lost ones are graded again,
    # this time serially (workers=1), and every grade comes out the same as in the parallel run
    regraded = ["perfect", "trick_hide_tracebacks", "crashing"]
    for student in regraded:
        (out / "results" / f"{student}.json").unlink()
    again = grading.grade(root / "submissions", out, course=root, workers=1, limits=LIMITS)
    assert _scores(out) == before
    for student in regraded:
        assert json.loads((out / "results" / f"{student}.json").read_text())["student"] == student
    assert len(again) == len(before)


@pytest.mark.parametrize(
    "code, flagged",
    [
        ("import nncost\nnncost.profile = None", True),
        ("from nncost import formulas\nformulas.dense_params = len", True),
        ("setattr(math, 'isclose', max)", True),
        ("import numpy as np\nnp.random.seed(0)\nx = np.zeros(3)\nx[0] = 1", False),
        (
            (
                "def compute(model):\n    total = 0\n    for layer in model.layers:\n"
                "        total += layer.count_params()\n    return total, 0"
            ),
            False,
        ),
        ("%%capture\nx = 1", True),
        ("%matplotlib inline\nx = 1", False),
        ("%%timeit\nx = 1", False),
        ("name = layer.__class__.__name__", False),
        ("import os\nos.environ['A'] = '1'", False),
        ("import matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 120", False),
        ("open('../../gradebook.db').read()", True),
        ("f.__globals__['x'] = 1", True),
        ("import subprocess\nsubprocess.run(['ls'])", True),
        ("%timeit -n 10 -r 3 compute(m)\nx = 1", False),  # timeit's options
        ("%timeit -n 10 compute(m)\nimport builtins\nbuiltins.len = max", True),
        ("files = !ls ..\nx = 1", True),  # an assignment magic: read as IPython runs it
        ("r = %sx cat ../gradebook.db", True),
    ],
)
def test_audit(code, flagged):
    assert bool(audit_source(code, {"math"})) is flagged


def test_collect_reads_a_flat_zip_as_zip_collect_takes_it(tmp_path, course):
    """`<student>_<notebook>.ipynb` files in a zip, named as nbgrader's zip_collect takes them."""
    import zipfile

    _, released = course
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ann_tiny.ipynb", nbformat.writes(_student(released, RIGHT_A, RIGHT_B)))
        zf.writestr("bob_tiny.ipynb", nbformat.writes(_student(released)))
        zf.writestr("ann_lee_tiny.ipynb", nbformat.writes(_student(released)))
        zf.writestr("cat_tiny (1).ipynb", nbformat.writes(_student(released)))
    subs = grading.collect(archive, {"tiny": ["tiny"]}, tmp_path / "scratch")
    by = {s.student: s for s in subs}
    assert set(by) == {"ann", "bob", "ann_lee", "cat"}  # an id with "_" survives
    assert set(by["ann"].notebooks["tiny"]) == {"tiny"} and not by["ann"].problems
    assert set(by["ann_lee"].notebooks["tiny"]) == {"tiny"}
    assert any("unknown assignment" in p for p in by["cat"].problems)  # misnamed: not graded


def test_a_collected_course_is_graded_in_place_with_nbgraders_files(tmp_path):
    """``grade <course>/submitted --course <course>``, as after ``nbgrader collect``: the input
    stays, nbgrader's files stay beside it and reach autograded/, the timestamp and the course's
    late penalty are recorded, only what was handed in is recorded, and a new hand-in is
    graded again on the next run."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder import gradebook

    course = tmp_path / "course"
    for name in ("tiny", "other"):
        (course / "source" / name).mkdir(parents=True)
        write_source(course / "source" / name / f"{name}.ipynb")
    grading.write_course_config(course, LIMITS.cell_timeout)
    with (course / "nbgrader_config.py").open("a") as fh:  # a late hand-in scores 0
        fh.write('c.LateSubmissionPlugin.penalty_method = "zero"\n')
    gradebook.create(course / "gradebook.db")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            gb.update_or_create_assignment("tiny", duedate="2026-11-20 12:00:00 UTC")
    work = tmp_path / "template"
    released = grading.released(
        grading.prepare_template(course / "source", work, {"tiny": ["tiny"]}, LIMITS),
        "tiny",
        "tiny",
    )
    when = {"ada": "2026-11-20 11:00:00.000000 UTC", "bob": "2026-11-21 12:00:00.000000 UTC"}
    for student, stamp in when.items():
        folder = course / "submitted" / student / "tiny"
        folder.mkdir(parents=True)
        nbformat.write(_student(released, RIGHT_A, RIGHT_B), folder / "tiny.ipynb")
        (folder / "timestamp.txt").write_text(stamp)
        (folder / "submission_secret.txt").write_text(f"secret-{student}")
    out = tmp_path / "out"

    records = grading.grade(course / "submitted", out, course=course, workers=2, limits=LIMITS)
    assert {r["student"] for r in records} == {"ada", "bob"}
    for student, stamp in when.items():
        for folder in ("submitted", "autograded"):
            here = course / folder / student / "tiny"
            assert (here / "tiny.ipynb").exists(), (folder, student)
            assert (here / "timestamp.txt").read_text() == stamp
            assert (here / "submission_secret.txt").read_text() == f"secret-{student}"
        assert not (course / "submitted" / student / "other").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            ada, bob = (gb.find_submission("tiny", s) for s in ("ada", "bob"))
            assert str(ada.timestamp) == "2026-11-20 11:00:00" and ada.total_seconds_late == 0
            assert bob.total_seconds_late == 24 * 3600
            # both earned the 3 autograded points; bob's late penalty (zero) takes them all
            assert (ada.code_score, bob.code_score) == (3, 3)
            assert (ada.late_submission_penalty, bob.late_submission_penalty) == (0, 3)
            with pytest.raises(MissingEntry):
                gb.find_submission("other", "ada")
    assert "## other" not in (out / "summary.md").read_text()

    # ada hands in again (collected again): she alone is graded again
    seconds = {r["student"]: r["seconds"] for r in records}
    nbformat.write(
        _student(released, RIGHT_A, WRONG_B), course / "submitted" / "ada" / "tiny" / "tiny.ipynb"
    )
    again = {
        r["student"]: r
        for r in grading.grade(course / "submitted", out, course=course, workers=1, limits=LIMITS)
    }
    assert again["bob"]["seconds"] == seconds["bob"]  # resumed, not graded
    assert _scores(out)["ada"] == 1  # part b is wrong now


def test_hidden_tests_edited_since_the_release_stop_grading_with_the_fix(course, tmp_path):
    """References compiled from another text are refused before any student is graded."""
    root = tmp_path / "course"
    shutil.copytree(course[0] / "source", root / "source")
    path = root / "source" / "tiny" / "tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    test_b = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_b")
    test_b.source = test_b.source.replace("(-4, 0, 10)", "(-4, 0, 11)")  # edited, not released
    nbformat.write(nb, path)
    (tmp_path / "subs" / "x" / "tiny").mkdir(parents=True)
    with pytest.raises(SystemExit, match=r"test_b changed .* `python -m autograder release`"):
        grading.grade(tmp_path / "subs", tmp_path / "out", course=root, workers=1, limits=LIMITS)
    assert not (tmp_path / "out").exists()  # nothing started
    compile_notebook(path)  # what release does: the references follow the edit
    nb = nbformat.read(path, as_version=4)
    test_b = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_b")
    assert test_b.metadata["nncost"]["verdict"][0]["want"] == [-8, 0, 22]  # 2 × 11
