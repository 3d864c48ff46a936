"""The honest-submission corpus (``tests/honest/``), graded by the real grader in one run.

Four students answer the three cost assignments the way students write code, not the way our
solutions do: functional models whose ``model.layers`` starts with an InputLayer,
``type(layer).__name__``, ``layer.__class__.__name__``, ``getattr(layer, "units", None)``,
``isinstance`` with ``keras.layers``/``tf.keras.layers``/star-imported classes, ``math.prod``,
``int(np.prod(...))``, helper functions and a helper class of their own, debug lines on stderr,
``%timeit``, printf-style formatting continued on the next line, comments and docstrings. Each
student's answers are ``tests/honest/<student>/<assignment>.ipy``: the source of every solution
cell, after a ``# %% <grade_id>`` line; the submission is the RELEASED notebook with those cells
replaced. Ten notebooks: amira and bruno hand in all three assignments, chen ``dense`` and
``cnn``, dana ``cnn`` and ``recurrent`` (3 or 4 students per assignment, 5 notebooks for each of
the 2 grading workers: about 3 minutes on 2 cores).

Every student must come out with no flag, no problem, and exactly the points below. Every
expected number is derived by hand here, from the parts' points (``POINTS``) and what each
honest slip touches; a slip costs exactly the parts whose answers it changes.
"""

from __future__ import annotations

import copy
import csv
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from authoring.points import points
from autograder import grading
from autograder.audit import audit_source

ROOT = Path(__file__).resolve().parents[1]
HONEST = Path(__file__).resolve().parent / "honest"
ASSIGNMENTS = ("dense", "cnn", "recurrent")
LIMITS = grading.Limits(cell_timeout=120, notebook_timeout=300, memory_gb=8)

#: the graded parts and their points, read from nbgrader's metadata (the only place they are
#: written); the hand derivations below assume these totals (test_expectations_add_up)
POINTS = {
    a: {
        gid: int(p)
        for gid, p in points(nbformat.read(ROOT / "source" / a / f"{a}.ipynb", 4)).items()
    }
    for a in ASSIGNMENTS
}
MAX = {"dense": 11, "cnn": 14, "recurrent": 10}

#: student → assignment handed in → (total, {part: score} for every part not at full marks)
EXPECTED = {
    "amira": {
        "dense": (11, {}),  # everything right: 11
        "cnn": (14, {}),  # everything right: 14
        "recurrent": (10, {}),  # everything right: 10
    },
    "bruno": {
        # compute forgot the biases: compute_params lost (1 point); q1_size and q2_size are
        # q1_params * 4 and q2_params * 4 (55 * 4 = 220, not 264; 108 * 4 = 432, not 504): lost
        # (1 + 1); the chart's parameter bars (55, 108 for 66, 126) and params_ratio
        # (108 / 55, not 126 / 66): q2_chart and q2_compare lost (1 + 1); the FLOPs do not use
        # the bias (folded into 2·in·out): compute_flops, q1_time and q2_time stand.
        # 11 - 1 - 1 - 1 - 1 - 1 = 6
        "dense": (
            6,
            {"compute_params": 0, "q1_size": 0, "q2_size": 0, "q2_chart": 0, "q2_compare": 0},
        ),
        # pooling rounded up in the hand-written shapes, (7, 7, 64) and (3136,) for (6, 6, 64)
        # and (2304,): q4_shapes lost (1 point); compute reads the output sizes from the layers,
        # so nothing else changes (q4_size uses compute's parameters). 14 - 1 = 13
        "cnn": (13, {"q4_shapes": 0}),
        # compute counts one time step of the recurrent layer (FLOPs 45 + 14 = 59 on question 6,
        # not 239): compute_flops lost (2 points); q7_flops comes from compute (195 + 7 = 202,
        # not 982), so q7_total is lost (1); the step counts 6.2 and 7.2 are written by hand and
        # right, and compute's parameters are right (so is q7_size). 10 - 2 - 1 = 7
        "recurrent": (7, {"compute_flops": 0, "q7_total": 0}),
    },
    "chen": {
        # q2_size_kb is the size in bytes (504), not 504 / 1024: q2_size lost (1 point); the
        # chart and the ratios use compute's right counts. 11 - 1 = 10
        "dense": (10, {"q2_size": 0}),
        # no activation FLOPs for the convolutions: compute_flops lost (3 points) on every test
        # model (each has a Conv with relu or tanh), and q4_time, built on compute's FLOPs, is
        # lost (1); the parameters, sizes (q4_size too), shapes and per-layer parameters stand.
        # 14 - 3 - 1 = 10
        "cnn": (10, {"compute_flops": 0, "q4_time": 0}),
    },  # recurrent not handed in
    "dana": {  # dense not handed in
        # convolutions without the bias: compute_params lost (2 points); q3_size and q5_size
        # are q3_params * 4 and q5_params * 4 (32 + 64 = 96 parameters short in both models):
        # lost (1 + 1); q5_layer_params uses the same helper (864 and 55296 for 896 and
        # 55360): lost (1); q4_params comes from compute (32 + 64 = 96 short again), so
        # q4_size is lost (1); the FLOPs do not use the bias: compute_flops and q4_time stand.
        # 14 - 2 - 1 - 1 - 1 - 1 = 8
        "cnn": (
            8,
            {"compute_params": 0, "q3_size": 0, "q5_size": 0, "q5_layer_params": 0, "q4_size": 0},
        ),
        # SimpleRNN(3, activation="sigmoid") where the notebook keeps tanh: q6_model lost
        # (1 point); sigmoid and tanh both cost 1 FLOP and the parameters do not depend on the
        # activation, so q6_size, q7_size and everything else stand. 10 - 1 = 9
        "recurrent": (9, {"q6_model": 0}),
    },
}
TOTALS = {  # the grades.csv rows: one per student and assignment
    "amira": {"dense": 11, "cnn": 14, "recurrent": 10},  # 35 of 35
    "bruno": {"dense": 6, "cnn": 13, "recurrent": 7},  # 26 of 35
    # not handed in: nbgrader scores a missing submission 0
    "chen": {"dense": 10, "cnn": 10, "recurrent": 0},  # 20 of 35
    "dana": {"dense": 0, "cnn": 8, "recurrent": 9},  # 17 of 35
}

MARKER = re.compile(r"^# %% (\S+)[ \t]*$", re.MULTILINE)


def read_answers(path: Path) -> dict[str, str]:
    """``{grade_id: source}`` from a ``# %% <grade_id>``-separated file (its header skipped)."""
    parts = MARKER.split(path.read_text())
    return {gid: body.strip("\n") for gid, body in zip(parts[1::2], parts[2::2])}


def expected(student: str, assignment: str) -> tuple[int, dict[str, int]]:
    """(total, {part: score}) of ``student`` in ``assignment``; not handed in: 0, every part 0."""
    total, lost = EXPECTED[student].get(assignment, (0, dict.fromkeys(POINTS[assignment], 0)))
    assert set(lost) <= set(POINTS[assignment])
    return total, {**POINTS[assignment], **lost}


def released(assignment: str):
    return nbformat.read(ROOT / "assignments" / assignment / f"{assignment}.ipynb", as_version=4)


def submission(assignment: str, answers: dict[str, str]):
    """The released notebook with the student's source in every solution cell."""
    nb = copy.deepcopy(released(assignment))
    solution_ids = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            solution_ids.add(meta["grade_id"])
            cell.source = answers[meta["grade_id"]]
    assert set(answers) == solution_ids, (assignment, sorted(set(answers) ^ solution_ids))
    return nb


def test_corpus_is_complete():
    """Each file answers every solution cell of its assignment, and nothing else; every file
    has its expectations and every expectation its file."""
    files = {(p.parent.name, p.stem) for p in HONEST.glob("*/*.ipy")}
    assert files == {(s, a) for s, work in EXPECTED.items() for a in work}
    for student, assignment in files:
        submission(assignment, read_answers(HONEST / student / f"{assignment}.ipy"))
    for assignment in ASSIGNMENTS:  # at least 3 students per assignment
        assert sum(assignment in work for work in EXPECTED.values()) >= 3


def test_expectations_add_up():
    """The hand-derived totals are the sums of the hand-derived parts."""
    assert {a: sum(p.values()) for a, p in POINTS.items()} == MAX
    assert set(TOTALS) == set(EXPECTED)
    for student, totals in TOTALS.items():
        assert set(totals) == set(ASSIGNMENTS)
        for assignment in ASSIGNMENTS:
            total, parts = expected(student, assignment)
            assert sum(parts.values()) == total == totals[assignment], (student, assignment)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("honest")
    course = tmp / "course"
    for assignment in ASSIGNMENTS:
        shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    submitted = tmp / "submitted"
    for student, work in EXPECTED.items():
        for assignment in work:
            nb = submission(assignment, read_answers(HONEST / student / f"{assignment}.ipy"))
            path = submitted / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
    out = tmp / "out"
    start = time.perf_counter()
    records = grading.grade(submitted, out, course=course, workers=2, limits=LIMITS)
    seconds = time.perf_counter() - start
    notebooks = sum(len(work) for work in EXPECTED.values())
    print(
        f"\nhonest corpus: {len(records)} students, {notebooks} notebooks graded in "
        f"{seconds:.0f} s ({seconds / notebooks:.1f} s per notebook, 2 workers)"
    )
    return {r["student"]: r for r in records}, out


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_honest_code_is_never_flagged(graded, student):
    records, _ = graded
    assert records[student]["flags"] == []
    assert records[student]["problems"] == []


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_part_scores_exactly_the_hand_derived_points(graded, student):
    records, _ = graded
    for assignment in ASSIGNMENTS:
        total, want = expected(student, assignment)
        if assignment not in EXPECTED[student]:  # not handed in: not recorded (grades.csv: 0)
            assert assignment not in records[student]["assignments"]
            continue
        parts = records[student]["assignments"][assignment][assignment]
        assert {p: v["max"] for p, v in parts.items()} == POINTS[assignment]
        assert {p: v["score"] for p, v in parts.items()} == want, (student, assignment)
        assert sum(v["score"] for v in parts.values()) == total


def test_grades_csv_has_the_hand_derived_totals(graded):
    _, out = graded
    with (out / "grades.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["student_id"], r["assignment"]): float(r["score"]) for r in rows}
    want = {(s, a): float(t) for s, totals in TOTALS.items() for a, t in totals.items()}
    assert got == want
    assert {r["assignment"]: float(r["max_score"]) for r in rows} == MAX


@pytest.mark.parametrize(
    "code, flagged",
    [
        # printf-style formatting continued on the next line, a `!=` or a docstring line that
        # starts with `%`: Python to IPython (a magic starts a statement), so not a magic
        ('print("%d parameters"\n      % params)', False),
        ('msg = ("%s: %d FLOPs"\n       % (name, flops))', False),
        ("if (kind\n        != 'Dense'):\n    pass", False),
        ("rest = n \\\n    % k", False),
        ('def f():\n    """Cost.\n    % of the total\n    """', False),
        ("%timeit compute(model_q1)", False),
        # a magic or shell escape that starts a statement is still one
        ("x = (1,\n     2)\n%system ls", True),
        ("x = 1\n!rm -rf data", True),
        ('print("%d"\n      % 3)\nimport builtins', True),
    ],
)
def test_audit_reads_magics_where_ipython_does(code, flagged):
    assert bool(audit_source(code, {"math"})) is flagged
