"""The assignment notebooks, graded for real: nbgrader generate_assignment + autograde in a
temporary course directory.

One autograde run per assignment grades a whole fake class: the instructor's solution
(``perfect``), the released notebook handed in untouched (``blank``) and one student per planted
mistake. Each mistake must lose exactly the points of the parts it touches.

Run time: about 3 minutes on 2 cores (13 notebook executions, each a kernel and a TensorFlow
import); the per-notebook figures are printed with ``pytest -s``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

import nbformat
import pytest

from authoring.points import points

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import coursedir

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

NOTEBOOKS = {"dense": "dense", "cnn": "cnn", "recurrent": "recurrent"}  # assignment -> notebook

#: points of every graded cell, from nbgrader's metadata (the only place they are written)
POINTS = {
    a: {
        gid: int(p)
        for gid, p in points(nbformat.read(ROOT / "source" / a / f"{nb}.ipynb", 4)).items()
    }
    for a, nb in NOTEBOOKS.items()
}

#: student -> (assignment, solution cell, text in it, replacement, graded parts it must lose,
#: expected total score). The totals are written out: max minus the lost parts' points.
MISTAKES = {
    # forgot the bias: the parameter count of compute() is wrong (sizes use count_params()),
    # and so are the chart and the ratios drawn from compute's counts (55 and 108, not 66, 126)
    "forgot_bias": (
        "dense",
        "compute_answer",
        "params += n_in * n_out + n_out",
        "params += n_in * n_out",
        {"compute_params", "q2_chart", "q2_compare"},
        11 - 1 - 1 - 1,
    ),
    # forgot activation FLOPs: compute's FLOPs, and the two times computed from them
    "no_activation_flops": (
        "dense",
        "compute_answer",
        "flops += 2 * n_in * n_out + n_out * a",
        "flops += 2 * n_in * n_out",
        {"compute_flops", "q1_time", "q2_time", "q2_chart", "q2_compare"},
        11 - 2 - 1 - 1 - 1 - 1,
    ),
    # relu where sigmoid was asked: the model part only (relu and sigmoid both cost 1 FLOP)
    "relu_output": (
        "dense",
        "q1_model_answer",
        'layers.Dense(1, activation="sigmoid")',
        'layers.Dense(1, activation="relu")',
        {"q1_model"},
        11 - 1,
    ),
    # bytes given as KB
    "bytes_as_kb": (
        "dense",
        "q1_size_answer",
        "q1_size_kb = q1_size_bytes / 1024",
        "q1_size_kb = q1_size_bytes",
        {"q1_size"},
        11 - 1,
    ),
    # pooling rounded up: wrong output size of the second pooling (and so of Flatten)
    "pool_rounds_up": (
        "cnn",
        "q4_shapes_answer",
        "(6, 6, 64),    # floor",
        "(7, 7, 64),    # floor",
        {"q4_shapes"},
        14 - 1,
    ),
    # forgot the pooling FLOPs: compute's FLOPs and question 4's time
    "no_pooling_flops": (
        "cnn",
        "compute_answer",
        "flops += math.prod(layer.pool_size) * n_out",
        "pass",
        {"compute_flops", "q4_time"},
        14 - 3 - 1,
    ),
    # asked Keras for the parameter count instead of working it out: the parameters part only
    # (the counts are right, so the chart and the ratios drawn from them stand)
    "asks_keras": (
        "dense",
        "compute_answer",
        "    return params, flops\n",
        "    return model.count_params(), flops\n",
        {"compute_params"},
        11 - 1,
    ),
    # tampering: compute() returns int subclasses whose __eq__ always says True (and are off by
    # one), and the notebook rebinds `type` and `isinstance` so that they would pass a naive
    # check. The hidden tests use the real built-ins and accept only plain ints, so this earns
    # nothing, and the times, the chart and the ratios computed from the lying counts are wrong.
    "lying_eq": (
        "dense",
        "compute_answer",
        "    return params, flops\n",
        (
            "    class Yes(int):\n"
            "        def __eq__(self, other):\n"
            "            return True\n"
            "        __hash__ = int.__hash__\n"
            "    return Yes(params + 1), Yes(flops + 1)\n"
            "type = lambda x: int\n"
            "isinstance = lambda *args: True\n"
        ),
        {"compute_params", "compute_flops", "q1_time", "q2_time", "q2_chart", "q2_compare"},
        11 - 1 - 2 - 1 - 1 - 1 - 1,
    ),
    # counted one time step: compute's FLOPs and question 7's total (which uses compute)
    "one_time_step": (
        "recurrent",
        "compute_answer",
        "flops += steps * step",
        "flops += step",
        {"compute_flops", "q7_total"},
        10 - 2 - 1,
    ),
}


def _cell(nb, grade_id):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def _plant(nb, grade_id, old, new):
    cell = _cell(nb, grade_id)
    assert cell.source.count(old) == 1, f"planted mistake: {old!r} not found once in {grade_id}"
    cell.source = cell.source.replace(old, new)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Release into a temp course, hand in a class of fake students, autograde each assignment
    once; return {assignment: {student: {grade_id: score}}} and the run times."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "source", root / "source")
    env = {
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        coursedir.release(root, quiet=True)
        students: dict[str, dict[str, object]] = {}
        for assignment, name in NOTEBOOKS.items():
            src = nbformat.read(root / "source" / assignment / f"{name}.ipynb", 4)
            rel = nbformat.read(root / "assignments" / assignment / f"{name}.ipynb", 4)
            students[assignment] = {"perfect": src, "blank": rel}
        for student, (assignment, grade_id, old, new, _, _) in MISTAKES.items():
            nb = nbformat.from_dict(students[assignment]["perfect"])
            _plant(nb, grade_id, old, new)
            students[assignment][student] = nb
        for assignment, by_student in students.items():
            for student, nb in by_student.items():
                path = root / "submitted" / student / assignment / f"{NOTEBOOKS[assignment]}.ipynb"
                path.parent.mkdir(parents=True)
                nbformat.write(nb, path)
        times = {}
        for assignment in NOTEBOOKS:
            start = time.perf_counter()
            coursedir.autograde(root, assignment)
            times[assignment] = (time.perf_counter() - start) / len(students[assignment])
        print("\nautograde seconds per notebook:", {k: round(v, 1) for k, v in times.items()})
        return _scores(root), times, root
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _scores(root):
    from nbgrader.api import Gradebook

    out: dict = {}
    with warnings.catch_warnings(), Gradebook("sqlite:///" + str(root / "gradebook.db")) as gb:
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes while reading
        for assignment, name in NOTEBOOKS.items():
            for sub in gb.assignment_submissions(assignment):
                nb = gb.find_submission_notebook(name, assignment, sub.student.id)
                out.setdefault(assignment, {})[sub.student.id] = {
                    g.name: g.score for g in nb.grades
                }
    return out


def test_the_points_a_student_reads_come_from_the_metadata():
    """The source names cells ({points:q1_model}); the release shows the metadata's numbers."""
    for assignment, name in NOTEBOOKS.items():
        source = nbformat.read(ROOT / "source" / assignment / f"{name}.ipynb", 4)
        typed = [
            line
            for c in source.cells
            if "walkthrough" not in c.metadata.get("tags", [])
            for line in c.source.splitlines()
            if re.search(r"\b\d+ points?\b", line)
        ] + re.findall(r"^.*\| \**\d+\** \|$", source.cells[0].source, re.MULTILINE)
        assert not typed, f"points typed in the text of {assignment}: {typed}"
        release = nbformat.read(ROOT / "assignments" / assignment / f"{name}.ipynb", 4)
        table = [
            int(n)
            for n in re.findall(r"^\|[^|\n]+\| (\d+) \|$", release.cells[0].source, re.MULTILINE)
        ]
        assert table == list(POINTS[assignment].values())  # one row per graded part, in order
        assert f"| **{sum(POINTS[assignment].values())}** |" in release.cells[0].source
        headings = [
            int(m)
            for c in release.cells
            for m in re.findall(r"^### Task .* — (\d+) points?$", c.source, re.MULTILINE)
        ]
        assert sum(headings) == sum(POINTS[assignment].values())
        for cell in release.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                n = meta["points"]
                assert f"# Graded ({n:g} point{'' if n == 1 else 's'})" in cell.source


@pytest.mark.parametrize("assignment", list(NOTEBOOKS))
def test_the_solution_scores_full_marks(graded, assignment):
    scores = graded[0][assignment]["perfect"]
    assert scores == POINTS[assignment]


@pytest.mark.parametrize("assignment", list(NOTEBOOKS))
def test_the_released_notebook_handed_in_as_is_scores_zero(graded, assignment):
    scores = graded[0][assignment]["blank"]
    assert scores == {k: 0 for k in POINTS[assignment]}


#: what the visible check cells must have told each of those students
CHECK_SAYS = {
    "forgot_bias": "forgot the bias",
    "no_activation_flops": "forgot the activation FLOPs",
    "relu_output": "the question asks for 'sigmoid'",
    "bytes_as_kb": "you gave the bytes again",
    "pool_rounds_up": "rounds down",
    "no_pooling_flops": "you forgot the pooling layers",
    "lying_eq": "not a plain Python int",
    "asks_keras": "compute uses count_params",
    "one_time_step": "you counted one time step",
}


@pytest.mark.parametrize("student", list(MISTAKES))
def test_the_check_cells_name_each_planted_mistake(graded, student):
    """The autograded notebook's check-cell output names the mistake (without the answer)."""
    assignment = MISTAKES[student][0]
    path = graded[2] / "autograded" / student / assignment / f"{NOTEBOOKS[assignment]}.ipynb"
    nb = nbformat.read(path, 4)
    errors = [
        o.get("evalue", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert any(CHECK_SAYS[student] in e for e in errors), errors


def test_graded_cells_never_write_to_stderr(graded):
    """nbgrader scores 0 for a graded cell with stderr output: none of ours writes any, for any
    student of the fake class (right, wrong, blank or tampering)."""
    root = graded[2]
    paths = sorted((root / "autograded").glob("*/*/*.ipynb"))
    assert len(paths) == sum(len(v) for v in graded[0].values())
    for path in paths:
        nb = nbformat.read(path, 4)
        for cell in nb.cells:
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            streams = [o for o in cell.get("outputs", []) if o.get("name") == "stderr"]
            assert not streams, (path, cell.metadata.nbgrader.grade_id, streams)


@pytest.mark.parametrize("student", list(MISTAKES))
def test_a_planted_mistake_loses_exactly_its_parts(graded, student):
    assignment, _, _, _, lost, total = MISTAKES[student]
    scores = graded[0][assignment][student]
    expected = {k: (0 if k in lost else v) for k, v in POINTS[assignment].items()}
    assert scores == expected
    assert sum(scores.values()) == total


def test_the_planted_mistakes_cost_at_least_six_different_parts(graded):
    """As graded (not as planted): the fake class's mistakes lose points in six graded parts or
    more, so the checks above exercise that many different verdicts."""
    lost = {
        (assignment, part)
        for student, (assignment, *_) in MISTAKES.items()
        for part, score in graded[0][assignment][student].items()
        if score < POINTS[assignment][part]
    }
    assert len(lost) >= 6, sorted(lost)


def test_walkthroughs_show_solutions_and_explanations_without_hidden_tests():
    from authoring import walkthroughs

    source = nbformat.read(ROOT / "source" / "dense" / "dense.ipynb", 4)
    nb = walkthroughs.walkthrough(source, "dense")
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert 'layers.Dense(1, activation="sigmoid")' in text  # the solution stays
    whys = [c.source for c in nb.cells if c.source.startswith("**Why.**")]
    solutions = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(whys) == len(solutions) == 9
    assert all("nbgrader" not in c.metadata for c in nb.cells)


def test_the_release_drops_the_walkthrough_cells():
    """The explanations sit in the source next to their tasks; the student sees none."""
    for assignment, name in NOTEBOOKS.items():
        source = nbformat.read(ROOT / "source" / assignment / f"{name}.ipynb", 4)
        release = nbformat.read(ROOT / "assignments" / assignment / f"{name}.ipynb", 4)
        tagged = [c.id for c in source.cells if "walkthrough" in c.metadata.get("tags", [])]
        assert tagged or assignment == "cnn_concepts"
        assert not set(tagged) & {c.id for c in release.cells}
        assert "**Why.**" not in "".join(c.source for c in release.cells)


def _cells(nb):
    """What a student sees of each cell: type, source and nbgrader's role (metadata noise off)."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        role = {k: meta.get(k) for k in ("grade", "solution", "locked", "points", "grade_id")}
        out.append((cell.cell_type, cell.source.strip(), role))
    return out


def test_assignments_are_not_stale(graded):
    """assignments/ must be what nbgrader generates from source/ today.

    The ``graded`` fixture released the committed source/ into a temp course; compare.
    """
    root = graded[2]
    for assignment, name in NOTEBOOKS.items():
        fresh = nbformat.read(root / "assignments" / assignment / f"{name}.ipynb", 4)
        committed = nbformat.read(ROOT / "assignments" / assignment / f"{name}.ipynb", 4)
        assert _cells(committed) == _cells(fresh), (
            f"assignments/{assignment} is stale: run `python -m autograder release`"
        )
    released = sorted(p.name for p in (ROOT / "assignments").iterdir() if p.is_dir())
    sources = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())
    assert released == sources  # one release per source assignment, nothing left over
    assert set(NOTEBOOKS) <= set(released)


def test_released_notebooks_hide_solutions_and_hidden_tests():
    for assignment, name in NOTEBOOKS.items():
        text = (ROOT / "assignments" / assignment / f"{name}.ipynb").read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "_course.", "_profile("):
            assert marker not in text, (assignment, marker)
        assert "raise NotImplementedError()" in text


def test_every_notebook_starts_with_the_locked_quiet_setup():
    for assignment, name in NOTEBOOKS.items():
        nb = nbformat.read(ROOT / "assignments" / assignment / f"{name}.ipynb", 4)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert setup.metadata.nbgrader["locked"] is True
        src = setup.source
        assert src.index('os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"') < src.index("import keras")
        assert src.index('os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"') < src.index("import keras")
