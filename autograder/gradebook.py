"""The course's one nbgrader gradebook: what ``python -m autograder grade`` writes to.

Students are graded in private course directories, in parallel; their results are written
here, by the one process that runs the class, with nbgrader's own pieces:

* the assignments come from ``nbgrader generate_assignment`` in the course (when the gradebook
  does not know them yet, or knows other graded cells);
* each autograded notebook's scores are saved by nbgrader's ``SaveAutoGrades``, which keeps a
  score a person gave (the formgrader's manual grade) and marks that part for review instead;
* ``grades.csv`` is nbgrader's ``CsvExportPlugin`` over this gradebook.

The submitted and autograded notebooks are copied into the course's ``submitted/`` and
``autograded/`` folders, where the formgrader finds them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

__all__ = ["create", "ensure_assignments", "export_csv", "read_scores", "record"]


def _db(course: Path) -> str:
    return "sqlite:///" + str(course / "gradebook.db")


def create(path: Path) -> None:
    """A new, empty nbgrader gradebook at ``path``, as nbgrader's ``Gradebook`` makes one.

    nbgrader creates the tables, then stamps the database with its migrations' head, which it
    asks of an ``alembic`` subprocess; that process imports nbgrader again (4–5 s, most of it
    ``jsonschema``'s grammar). The head is read here, in this process, from the same migration
    scripts, so nbgrader finds a gradebook that exists and stamps nothing. No-op if ``path``
    exists.
    """
    if path.exists():
        return
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    head = ScriptDirectory(str(Path(nbgrader.api.__file__).parent / "alembic")).get_current_head()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine("sqlite:///" + str(path), future=True)
    try:
        nbgrader.api.Base.metadata.create_all(bind=engine)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
    finally:
        engine.dispose()


def _cells(db: str, assignment: str) -> dict | None:
    """``{notebook: {grade cell: max score}}`` of ``assignment`` in gradebook ``db``."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            return None
        return {nb.name: {c.name: c.max_score for c in nb.grade_cells} for nb in found.notebooks}


def ensure_assignments(course: Path, template: Path, layout: dict[str, list[str]]) -> None:
    """Make the course gradebook know every assignment with the template's graded cells."""
    from autograder.course import _nbgrader_path, api

    _nbgrader_path()  # a new gradebook is set up by nbgrader's `alembic` command
    if not (course / "gradebook.db").exists():  # a new course starts as the template, which
        shutil.copy2(template / "gradebook.db", course / "gradebook.db")  # is the same source
    stale = [a for a in layout
             if _cells(_db(course), a) != _cells(_db(template), a)]
    if not stale:
        return
    nbgrader = api(course)
    for assignment in stale:
        done = nbgrader.generate_assignment(assignment, force=True, create=True)
        if not done.get("success"):
            raise SystemExit(
                f"the course gradebook ({course / 'gradebook.db'}) could not take {assignment!r}: "
                f"{done.get('error', '')}\nIf it holds graded cells that the source no longer "
                "has, regrade in a new course directory (--course) or remove those submissions.")


def record(course: Path, student: str, assignment: str, notebooks: list[str],
           submitted: dict[str, Path], autograded: dict[str, Path]) -> None:
    """Write one student's ``assignment`` into the course: notebooks, then scores.

    ``submitted``/``autograded``: ``{notebook: path}`` of what exists. A notebook without an
    autograded version (missing, unreadable, or stopped by a limit) scores 0 on its
    autograded parts, as nbgrader scores a missing notebook.
    """
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveAutoGrades

    for folder, paths in (("submitted", submitted), ("autograded", autograded)):
        target = course / folder / student / assignment
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for nb, path in paths.items():
            shutil.copy2(path, target / f"{nb}.ipynb")
    db = _db(course)
    with Gradebook(db) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
    for nb in notebooks:
        if nb in autograded:
            resources = {"nbgrader": {"db_url": db, "assignment": assignment, "notebook": nb,
                                      "student": student}}
            SaveAutoGrades().preprocess(nbformat.read(autograded[nb], as_version=4), resources)
            continue
        with Gradebook(db) as gb:
            for grade in gb.find_submission_notebook(nb, assignment, student).grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = grade.manual_score is not None
            gb.db.commit()


def read_scores(course: Path, student: str, assignment: str, notebooks: list[str]) -> dict:
    """``{notebook: {part: {"score", "max", "manual", "awaiting", "review"}}}``, from the gradebook.

    ``score`` is nbgrader's (a person's score when there is one); ``manual`` says the part is
    graded by a person (free text); ``awaiting`` that it still waits for one; ``review`` that a
    person scored it and it was autograded again since (nbgrader keeps that score and asks for
    a look).
    """
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(_db(course)) as gb:
        for nb in notebooks:
            parts = {}
            for grade in gb.find_submission_notebook(nb, assignment, student).grades:
                cell = grade.cell
                parts[grade.name] = {
                    "score": float(grade.score or 0.0),
                    "max": float(grade.max_score),
                    "manual": cell.cell_type == "markdown",
                    "awaiting": bool(grade.needs_manual_grade) and grade.manual_score is None,
                    "review": bool(grade.needs_manual_grade) and grade.manual_score is not None,
                }
            out[nb] = parts
    return out


def export_csv(course: Path, path: Path) -> None:
    """nbgrader's CSV export of the course gradebook (``nbgrader export``)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(_db(course)) as gb:
        CsvExportPlugin(to=str(path)).export(gb)
