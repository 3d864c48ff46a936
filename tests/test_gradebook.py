"""``autograder.gradebook.create`` makes the gradebook nbgrader's own ``Gradebook`` makes.

nbgrader stamps a new gradebook with its migrations' head, asked of an ``alembic``
subprocess; ``create`` reads the head in-process. Both must give the same database.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import warnings

from autograder.gradebook import create


def _schema(path) -> tuple[dict, list]:
    with sqlite3.connect(path) as db:
        tables = {
            name: sql
            for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        }
        version = db.execute("SELECT version_num FROM alembic_version").fetchall()
    return tables, version


def test_create_gives_nbgrader_own_gradebook(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    # nbgrader's way: a Gradebook on a missing file runs `alembic heads` (on PATH: the venv's)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    theirs, ours = tmp_path / "theirs.db", tmp_path / "ours.db"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{theirs}"):
            pass
    create(ours)
    their_tables, their_version = _schema(theirs)
    our_tables, our_version = _schema(ours)
    assert our_tables == their_tables
    assert len(our_version) == 1 and our_version == their_version

    # nbgrader takes it as its own: no second stamp, and it can be written to
    with Gradebook(f"sqlite:///{ours}") as gb:
        gb.add_student("ada")
        gb.add_assignment("tiny")
    assert _schema(ours)[1] == their_version


def test_create_leaves_an_existing_gradebook_alone(tmp_path):
    from nbgrader.api import Gradebook

    path = tmp_path / "gradebook.db"
    create(path)
    with Gradebook(f"sqlite:///{path}") as gb:
        gb.add_student("ada")
    create(path)
    with Gradebook(f"sqlite:///{path}") as gb:
        assert [s.id for s in gb.students] == ["ada"]


def test_only_a_private_course_gradebook_skips_disk_syncs(tmp_path):
    # a worker's private course is thrown away after its task (and graded again from the
    # start if the worker dies): its gradebook need not survive a crash; the course's must
    from sqlalchemy import create_engine, text

    from autograder.worker import _PRIVATE, _private_sqlite_unsynced

    _private_sqlite_unsynced()

    def pragmas(folder: str) -> tuple:
        (tmp_path / folder).mkdir()
        engine = create_engine("sqlite:///" + str(tmp_path / folder / "gradebook.db"))
        with engine.connect() as db:
            found = tuple(
                db.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("synchronous", "journal_mode")
            )
        engine.dispose()
        return found

    assert pragmas(f"{_PRIVATE}x1y2") == (0, "memory")  # OFF
    assert pragmas("course") == (2, "delete")  # SQLite's own: FULL, a journal file
