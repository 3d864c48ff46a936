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
import warnings
from pathlib import Path

import nbformat

__all__ = [
    "create",
    "ensure_assignments",
    "export_csv",
    "quiet_orm_warnings",
    "read_scores",
    "record",
    "timestamp",
]


def quiet_orm_warnings() -> None:
    """Hide SQLAlchemy's "Object of type <SubmittedAssignment> not in session" warnings.

    nbgrader's ``Gradebook.add_submission`` builds a submission's objects and adds them to the
    session just after; SQLAlchemy 2 warns, as it builds them, that they are not in it yet.
    The submission is saved whole (the gradebook tests read it back), so the warnings only
    bury the grading's own lines under a screenful of nbgrader's internals. Only these
    warnings are hidden; any other still shows.
    """
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings(
        "ignore", message=r"Object of type <Submitted\w+> not in session", category=SAWarning
    )


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
    from autograder.coursedir import api

    if not (course / "gradebook.db").exists():  # a new course starts as the template, which
        shutil.copy2(template / "gradebook.db", course / "gradebook.db")  # is the same source
    stale = [a for a in layout if _cells(_db(course), a) != _cells(_db(template), a)]
    if not stale:
        return
    nbgrader = api(course)
    for assignment in stale:
        done = nbgrader.generate_assignment(assignment, force=True, create=True)
        if not done.get("success"):
            raise SystemExit(
                f"the course gradebook ({course / 'gradebook.db'}) could not take {assignment!r}: "
                f"{done.get('error', '')}\nIf it holds graded cells that the source no longer "
                "has, regrade in a new course directory (--course) or remove those submissions."
            )


def _config(course: Path):
    """The course's nbgrader configuration (its ``nbgrader_config.py``, or this project's):
    what nbgrader's own preprocessors read, e.g. the late-submission plugin."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.coursedir import course_config

    if (course / "nbgrader_config.py").is_file():
        return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return course_config(course)


def timestamp(folder: Path):
    """The time of nbgrader's ``timestamp.txt`` in ``folder`` (as nbgrader reads it), or None
    when there is none or it cannot be read: such a submission is graded as on time."""
    from nbgrader.utils import parse_utc

    path = folder / "timestamp.txt"
    text = path.read_text(errors="replace").strip() if path.is_file() else ""
    try:
        return parse_utc(text) if text else None
    except (ValueError, OverflowError):
        return None


def record(
    course: Path,
    student: str,
    assignment: str,
    notebooks: list[str],
    handed_in: Path,
    autograded: dict[str, Path],
) -> None:
    """Write one student's ``assignment`` into the course as nbgrader's collect and autograde
    leave it, then its scores.

    ``submitted/<student>/<assignment>/`` becomes the folder handed in (``handed_in``, left
    as it is when it is that folder: grading a course's own ``submitted/``), with nbgrader's
    ``timestamp.txt`` and ``submission_secret.txt``; ``autograded/…`` is a copy of it with the
    autograded notebooks (``{notebook: path}`` of what exists). The submission is recorded at
    its timestamp; nbgrader's ``SaveAutoGrades`` saves the scores (keeping a person's) and
    ``AssignLatePenalties`` the course's late penalty. A notebook without an autograded
    version (missing, unreadable, or stopped by a limit) scores 0 on its autograded parts, as
    nbgrader scores a missing notebook.
    """
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

    skip = shutil.ignore_patterns(".ipynb_checkpoints")
    submitted = course / "submitted" / student / assignment
    if handed_in.resolve() != submitted.resolve():
        shutil.rmtree(submitted, ignore_errors=True)
        shutil.copytree(handed_in, submitted, ignore=skip)
    target = course / "autograded" / student / assignment
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        submitted, target, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints")
    )
    for nb, path in autograded.items():
        shutil.copy2(path, target / f"{nb}.ipynb")
    db = _db(course)
    when = timestamp(submitted)
    with Gradebook(db) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, **({"timestamp": when} if when else {}))
    config = _config(course)
    for nb in notebooks:
        if nb in autograded:
            resources = {
                "nbgrader": {
                    "db_url": db,
                    "assignment": assignment,
                    "notebook": nb,
                    "student": student,
                }
            }
            graded = nbformat.read(autograded[nb], as_version=4)
            SaveAutoGrades(config=config).preprocess(graded, resources)
            AssignLatePenalties(config=config).preprocess(graded, resources)
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
