"""Grading on a Dask cluster started as separate processes on localhost (a scheduler and two
workers, as `dask scheduler` and `dask worker` start them on a few machines), with one worker
killed in the middle of the class: no student is lost, none is recorded twice, and a rerun
grades no one again.

The course is the tiny assignment of ``tests/test_grading.py`` (no TensorFlow): part a is
worth 1 point, part b 2; perfect students earn 3 and partial ones 1.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from autograder import grading
from tests.test_grading import LIMITS, RIGHT_A, RIGHT_B, WRONG_B, _student, write_source

STUDENTS = {f"perfect{i}": 3 for i in range(4)} | {f"partial{i}": 1 for i in range(4)}


def _start(args: list[str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _scheduler(tmp_path, log) -> tuple[str, subprocess.Popen]:
    """A `dask scheduler` process on localhost, and its address."""
    address_file = tmp_path / "scheduler.json"
    proc = _start(
        [
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(address_file),
        ],
        log,
    )
    deadline = time.monotonic() + 60
    while not address_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return json.loads(address_file.read_text())["address"], proc


def _worker(address: str, name: str, log) -> subprocess.Popen:
    """A `dask worker` process (no nanny: a killed worker stays dead)."""
    return _start(
        [
            "distributed.cli.dask_worker",
            address,
            "--nthreads",
            "1",
            "--no-nanny",
            "--no-dashboard",
            "--name",
            name,
            "--host",
            "127.0.0.1",
        ],
        log,
    )


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes."""
    log = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 — closed below
    address, scheduler = _scheduler(tmp_path, log)
    workers = [_worker(address, f"w{i}", log) for i in range(2)]
    try:
        yield address, workers
    finally:
        _stop([*workers, scheduler])
        log.close()


def _class(tmp_path):
    """The tiny course and its class: (course, submissions)."""
    course = tmp_path / "course"
    (course / "source" / "tiny").mkdir(parents=True)
    write_source(course / "source" / "tiny" / "tiny.ipynb")
    template = grading.prepare_template(
        course / "source", tmp_path / "out" / "work", {"tiny": ["tiny"]}, LIMITS
    )
    released = grading.released(template, "tiny", "tiny")
    subs = tmp_path / "submissions"
    for student, points in STUDENTS.items():
        path = subs / student / "tiny" / "tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(_student(released, RIGHT_A, RIGHT_B if points == 3 else WRONG_B), path)
    return course, subs


def _grading(subs, out, course, address) -> tuple[threading.Thread, dict]:
    """Grade the class on the cluster at ``address`` in a thread; return once the first
    student's result is written (the thread, and the dict its records will be in)."""
    done: dict = {}
    grader = threading.Thread(
        target=lambda: done.update(
            records=grading.grade(subs, out, course=course, scheduler=address, limits=LIMITS)
        )
    )
    grader.start()
    deadline = time.monotonic() + 300
    while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    return grader, done


def _points(record: dict) -> float:
    return sum(
        p["score"]
        for nb in record["assignments"]["tiny"].values()
        for p in nb.values()
        if not p["manual"]
    )


def test_a_worker_killed_mid_class_loses_no_student(tmp_path, dask_cluster):
    address, workers = dask_cluster
    course, subs = _class(tmp_path)
    out = tmp_path / "out"
    grader, done = _grading(subs, out, course, address)
    os.killpg(workers[0].pid, signal.SIGKILL)  # both workers are busy: one task dies with it
    graded_before_the_kill = len(list((out / "results").glob("*.json")))
    grader.join(timeout=600)
    assert not grader.is_alive()

    records = {r["student"]: r for r in done["records"]}
    assert set(records) == set(STUDENTS)  # no student lost
    for student, points in STUDENTS.items():
        assert _points(records[student]) == points, records[student]
        assert not any("grading failed" in p for p in records[student]["problems"])
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute(
            "select student_id, count(*) from submitted_assignment group by student_id"
        ).fetchall()
    assert dict(rows) == {s: 1 for s in STUDENTS}  # none recorded twice
    # the kill came mid-class: the survivor graded every student the killed worker had not
    assert graded_before_the_kill < len(STUDENTS)
    by_killed = [s for s, r in records.items() if r["worker"].endswith(f":{workers[0].pid}")]
    by_survivor = [s for s, r in records.items() if r["worker"].endswith(f":{workers[1].pid}")]
    # (one result of the killed worker may still have been on its way when the files were
    # counted: it grades one student at a time)
    assert len(by_killed) <= graded_before_the_kill + 1
    assert len(by_killed) + len(by_survivor) == len(STUDENTS)

    before = (out / "grades.csv").read_text()
    again = grading.grade(subs, out, course=course, scheduler=address, limits=LIMITS)
    assert len(again) == len(STUDENTS) and (out / "grades.csv").read_text() == before


def test_a_worker_that_joins_late_grades_the_class_when_the_first_one_dies(tmp_path):
    """The template course reaches the workers as a task's result, which the cluster computes
    again, not as scattered data, which lives on the workers present when it was sent: a worker
    that joins after the class started grades everyone left once the only worker that held it
    is killed (with scattered data, every student left failed: "already forgotten")."""
    from distributed import Client

    log = open(tmp_path / "cluster.log", "w")  # noqa: SIM115 — closed below
    address, scheduler = _scheduler(tmp_path, log)
    first = _worker(address, "first", log)
    procs = [first, scheduler]
    try:
        course, subs = _class(tmp_path)
        grader, done = _grading(subs, tmp_path / "out", course, address)
        late = _worker(address, "late", log)
        procs.append(late)
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        os.killpg(first.pid, signal.SIGKILL)
        grader.join(timeout=600)
        assert not grader.is_alive()
    finally:
        _stop(procs)
        log.close()
    records = {r["student"]: r for r in done["records"]}
    assert set(records) == set(STUDENTS)
    for student, points in STUDENTS.items():
        assert _points(records[student]) == points, records[student]
    assert any(r["worker"].endswith(f":{late.pid}") for r in records.values())
