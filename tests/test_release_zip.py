"""The LMS path (no hub): ``python -m autograder release --zip PATH`` writes the released
notebooks to a zip for Canvas or Moodle; a zip of submissions downloaded from the LMS, named as
nbgrader's zip_collect takes them, is graded by ``grade`` (tests/test_grade_course.py)."""

import shutil
import zipfile

import nbformat

from autograder import coursedir
from autograder.__main__ import main

ROOT = coursedir.ROOT


def test_release_zip_holds_each_student_notebook_and_no_solution(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(ROOT / "source" / "dense", root / "source" / "dense")
    archive = tmp_path / "lms" / "release.zip"
    assert main(["release", "--root", str(root), "--zip", str(archive)]) == 0
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() == ["dense/dense.ipynb"]
        student = nbformat.reads(zf.read("dense/dense.ipynb").decode(), as_version=4)
    assert student == nbformat.read(root / "assignments" / "dense" / "dense.ipynb", as_version=4)
    text = nbformat.writes(student)
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    assert "raise NotImplementedError()" in text
