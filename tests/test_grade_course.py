"""`python -m autograder grade` end to end on the real `dense` assignment, from a zip.

Expected grades (dense is worth 11: Q1 model 1, compute params 1, compute FLOPs 2, Q1 size 1,
Q1 time 1, Q2 model 1, Q2 size 1, Q2 time 1, Q2 chart 1, Q2 compare 1):
* blank — the released notebook: 0;
* perfect — the instructor's solution: 11;
* relu_output — relu where sigmoid was asked: loses the Q1 model part, 11 - 1 = 10 (relu and
  sigmoid both cost 1 FLOP, so nothing built on the FLOPs changes);
* no_activation_flops — compute's FLOPs, the two times, the chart and the comparison built on
  them: 11 - 2 - 1 - 1 - 1 - 1 = 5;
* patched_nncost — the solution plus `nncost.profile = …`: flagged for review, and its
  score stands (11): a flag is the instructor's to judge, never a score by itself;
* ann_lee — the solution, from a student whose id holds an underscore: 11.
"""

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _solution(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _replace(nb, grade_id, old, new):
    cell = _solution(nb, grade_id)
    assert cell.source.count(old) == 1, (grade_id, old)
    cell.source = cell.source.replace(old, new)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade_course")
    course = tmp / "course"
    shutil.copytree(ROOT / "source" / "dense", course / "source" / "dense")
    solution = nbformat.read(ROOT / "source" / "dense" / "dense.ipynb", 4)
    blank = nbformat.read(ROOT / "assignments" / "dense" / "dense.ipynb", 4)
    students = {
        "perfect": solution,
        "blank": blank,
        "relu_output": _replace(
            nbformat.from_dict(solution),
            "q1_model_answer",
            'layers.Dense(1, activation="sigmoid")',
            'layers.Dense(1, activation="relu")',
        ),
        "no_activation_flops": _replace(
            nbformat.from_dict(solution),
            "compute_answer",
            "flops += 2 * n_in * n_out + n_out * a",
            "flops += 2 * n_in * n_out",
        ),
    }
    patched = nbformat.from_dict(solution)
    cell = _solution(patched, "compute_answer")
    cell.source += "\n\nnncost.profile = lambda model, **kw: None"
    students["patched_nncost"] = patched
    students["ann_lee"] = solution
    archive = tmp / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for student, nb in students.items():
            zf.writestr(f"class/{student}/dense/dense.ipynb", nbformat.writes(nb))
    out = tmp / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(archive),
            "--out",
            str(out),
            "--workers",
            "2",
            "--course",
            str(course),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done


def test_grades_are_exactly_the_expected_ones(graded):
    out, done = graded
    with (out / "grades.csv").open() as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    scores = {s: float(r["score"]) for s, r in rows.items()}
    assert scores == {
        "perfect": 11,
        "blank": 0,
        "relu_output": 10,
        "no_activation_flops": 5,
        "patched_nncost": 11,
        "ann_lee": 11,
    }
    assert {float(r["max_score"]) for r in rows.values()} == {11}
    assert "graded 6 students" in done.stdout


def test_the_instructor_reads_no_library_warnings(graded):
    # nbgrader's add_submission made SQLAlchemy warn, twice per location, in the grading
    # process and in every worker: a screenful of internals above the grading's own lines
    _, done = graded
    assert "Warning" not in done.stderr, done.stderr


def test_summary_flags_the_patch_and_names_weak_parts(graded):
    out, _ = graded
    summary = (out / "summary.md").read_text()
    flagged = summary.split("## Flagged for review")[1]
    assert "patched_nncost" in flagged and "monkeypatching" in flagged
    assert "ann_lee" not in flagged and "perfect" not in flagged
    assert "dense/compute_flops" in summary
    assert (out / "histogram.png").exists()


def test_feedback_shows_messages_not_hidden_code(graded):
    out, _ = graded
    html = (out / "feedback" / "no_activation_flops" / "dense" / "dense.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in html and "_hidden.expect" not in html
    assert "compute(model) gives the wrong FLOPs count" in html  # the verdict's message
