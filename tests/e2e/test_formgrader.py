"""After ``python -m autograder grade``, the formgrader shows the class, in a real browser.

A small course (the tiny assignment of ``tests/test_grading.py``: two autograded parts and one
free-text part worth 2 points) is graded for two students into the course's gradebook. Then
JupyterLab is started in the course directory, as an instructor starts it, and headless
Chromium opens Nbgrader's formgrader: both submissions are listed, both wait for manual
grading, the grading page of one shows the free-text part's score box; a score typed there
reaches the gradebook and nbgrader's export. Screenshots go to ``build/e2e/formgrader-*.png``.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder import gradebook, grading
from tests.e2e.lab import CHROMIUM, FLAGS, SHOTS, give_manual_score, serve
from tests.test_grading import LIMITS, PROSE, RIGHT_A, RIGHT_B, WRONG_B, _student, write_source

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed: run `make e2e` (it installs it with apt-get)",
)


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    course = tmp_path_factory.mktemp("formgrader") / "course"
    (course / "source" / "tiny").mkdir(parents=True)
    write_source(course / "source" / "tiny" / "tiny.ipynb")
    grading.write_course_config(course, LIMITS.cell_timeout)  # what `jupyter lab` there reads
    out = course.parent / "out"
    template = grading.prepare_template(course / "source", out / "work", {"tiny": ["tiny"]}, LIMITS)
    released = grading.released(template, "tiny", "tiny")
    subs = course.parent / "submissions"
    for student, b in (("ada", RIGHT_B), ("bob", WRONG_B)):
        path = subs / student / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_student(released, RIGHT_A, b, explain=PROSE), path)
    grading.grade(subs, out, course=course, workers=2, limits=LIMITS)
    return course, out


def _export(course: Path, path: Path) -> dict[str, float]:
    gradebook.export_csv(course, path)
    with path.open() as fh:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}


def test_formgrader_lists_the_graded_class_and_takes_a_manual_grade(graded_course, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    course, _ = graded_course
    assert _export(course, tmp_path / "before.csv") == {"ada": 3, "bob": 1}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(course, tmp_path) as lab, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            # log in as JupyterLab does (a cookie), then open Nbgrader → Formgrader's page
            page.goto(f"{lab['base']}/lab?token={lab['token']}")
            page.wait_for_selector(".jp-LabShell", timeout=60_000)
            page.goto(f"{lab['base']}/formgrader/gradebook/tiny/tiny")
            rows = page.locator("tbody tr")
            expect(rows).to_have_count(2, timeout=60_000)
            waiting = page.locator("td.needs-manual-grade[data-search='needs manual grade']")
            expect(waiting).to_have_count(2)
            page.screenshot(path=str(SHOTS / "formgrader-submissions.png"), full_page=True)

            rows.first.locator("a[href*='/formgrader/submissions/']").first.click()
            score = page.locator("input.score#explain")
            expect(score).to_be_visible(timeout=60_000)
            student = page.url
            give_manual_score(page, score, 2)
            page.screenshot(path=str(SHOTS / "formgrader-grading.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(SHOTS / "formgrader-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            given = {
                s: gb.find_grade("explain", "tiny", "tiny", s).manual_score for s in ("ada", "bob")
            }
    graded = [s for s, score in given.items() if score == 2]
    assert len(graded) == 1, (given, student)
    after = _export(course, tmp_path / "after.csv")
    assert after[graded[0]] == {"ada": 3, "bob": 1}[graded[0]] + 2
