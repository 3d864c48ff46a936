"""Grade one student, in a long-lived grading process (a Dask worker).

:func:`grade_submission` is the task :mod:`autograder.grading` sends for each student. It runs
nbgrader's own autograde and feedback, in this process (nbgrader and its imports are paid once
per worker, not once per student), in a private course directory that lives as long as the
task. Each notebook still runs in a kernel of its own that dies afterwards: the kernel is
forked, warm, from a zygote that has done the course's setup imports
(:mod:`autograder.zygote`), with the memory limit set in the kernel; a watchdog kills the
kernel of a notebook that runs past its wall-clock limit, and nbgrader keeps the points of the
cells that ran (:mod:`autograder.execute`).

Everything a task needs comes in as data (the submission's files, the template course's
gradebook and files, the verdicts' references) and everything it produces goes back as data
(grades, problems, autograded notebooks, feedback), so a worker needs no shared disk: the same
task runs on a laptop's local cluster or on a cluster's machines.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["grade_submission"]


def execution_problems(assignment: str, path: Path, cell_timeout: int) -> list[str]:
    """Lines for the summary: a cell that timed out, a kernel that died."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        names = {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}
        if "CellTimeoutError" in names:
            problems.append(
                f"{assignment}/{path.name}: cell {index} ran longer than "
                f"{cell_timeout} s and was stopped; it scores 0"
            )
        if any(
            o.get("evalue") == "the kernel died while running this cell"
            for o in cell.get("outputs", [])
            if o.get("ename") == "KernelDied"
        ):
            problems.append(
                f"{assignment}/{path.name}: the kernel died in cell {index}; later "
                "cells did not run and score 0"
            )
    return problems


@contextlib.contextmanager
def _watchdog(seconds: float):
    """Kill every kernel this process's zygote forked if the block runs past ``seconds``."""
    from autograder.zygote import Zygote

    fired = threading.Event()

    def stop() -> None:
        fired.set()
        Zygote.kill_kernels()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


_PRIVATE = "nncost-grade-"


@functools.cache
def _private_sqlite_unsynced() -> None:
    """Once per process: the gradebooks of the private course directories (and only those)
    skip the disk syncs of SQLite's commits."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def connect(dbapi_connection, _record) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        row = dbapi_connection.execute("PRAGMA database_list").fetchone()
        if row and Path(row[2]).parent.name.startswith(_PRIVATE):
            dbapi_connection.execute("PRAGMA synchronous=OFF")
            dbapi_connection.execute("PRAGMA journal_mode=MEMORY")

    event.listen(Engine, "connect", connect)


def grade_submission(task: dict, template: dict[str, bytes]) -> dict:
    """Autograde and feed back one student's every assignment; see the module docstring.

    ``template``: ``{path: bytes}``, the template course's gradebook and source files.
    ``task``: ``student``; ``submitted`` ``{assignment: {notebook: bytes}}``; ``references``
    ``{assignment: {notebook: {grade_id: checks}}}``;
    ``limits`` (``cell_timeout``, ``notebook_timeout``, ``memory_gb``); ``preload`` (the
    modules the zygote imports); ``timestamps`` ``{assignment: text}`` of nbgrader's
    ``timestamp.txt`` where the submission had one; ``zygote``: the socket of a zygote this machine shares, or
    None (the worker starts its own). Returns ``student``, ``problems``, ``autograded`` and
    ``feedback`` (``{assignment: {notebook: bytes}}``), ``seconds`` and ``worker``; the scores
    are in the autograded notebooks, which the grading process records in the gradebook.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.gradebook import quiet_orm_warnings
    from autograder.grading import write_course_config
    from autograder.zygote import Zygote

    quiet_orm_warnings()  # a worker on another machine did not fork from the grading process
    _private_sqlite_unsynced()

    start = time.perf_counter()
    student, limits = task["student"], task["limits"]
    Zygote.prepare(  # attached at the first kernel: nbgrader's work first
        tuple(task["preload"]),
        memory_bytes=int(limits["memory_gb"] * 1024**3),
        shared=task.get("zygote"),
    )
    result = {
        "student": student,
        "problems": [],
        "autograded": {},
        "feedback": {},
        "worker": f"{os.uname().nodename}:{os.getpid()}",
    }
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix=_PRIVATE) as tmp:
        course = Path(tmp)
        _write(course, template)
        for assignment, notebooks in task["submitted"].items():
            stamp = task.get("timestamps", {}).get(assignment)  # nbgrader's late penalties
            _write(
                course / "submitted" / student / assignment,
                {f"{nb}.ipynb": data for nb, data in notebooks.items()}
                | ({"timestamp.txt": stamp.encode()} if stamp else {}),
            )
        write_course_config(course, limits["cell_timeout"])
        os.chdir(course)
        try:
            for assignment, given in task["submitted"].items():
                config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
                config.Judge.references = task["references"].get(assignment, {})
                config.Execute.kernel_manager_class = "autograder.zygote.WarmKernelManager"
                api = NbGraderAPI(CourseDirectory(config=config), config=config)
                seconds = limits["notebook_timeout"] * len(given)
                with _watchdog(seconds) as stopped:
                    graded = api.autograde(assignment, student, force=True)
                if stopped.is_set():
                    result["problems"].append(
                        f"{assignment}: stopped after {seconds} s (wall-clock limit: an endless "
                        "loop?); the cells that had not finished score 0"
                    )
                if not graded["success"]:
                    log = graded.get("error") or graded.get("log") or ""
                    result["problems"].append(
                        f"{assignment}: nbgrader could not autograde it; parts that did not run "
                        f"score 0. {_tail(log)}"
                    )
                    continue
                folder = course / "autograded" / student / assignment
                result["autograded"][assignment] = {
                    p.stem: p.read_bytes() for p in sorted(folder.glob("*.ipynb"))
                }
                for path in sorted(folder.glob("*.ipynb")):
                    result["problems"] += execution_problems(
                        assignment, path, limits["cell_timeout"]
                    )
                fed = api.generate_feedback(assignment, student, force=True)
                feedback = course / "feedback" / student / assignment
                if not fed["success"] or not feedback.exists():
                    result["problems"].append(f"{assignment}: feedback could not be generated")
                else:
                    result["feedback"][assignment] = {
                        p.stem: p.read_bytes() for p in sorted(feedback.glob("*.html"))
                    }
        finally:
            os.chdir(here)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def _tail(text: str, n: int = 3) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[-400:]
