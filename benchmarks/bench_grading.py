"""Grading a class: plain serial ``nbgrader autograde`` vs ``python -m autograder grade``,
the same class in the same run, and the grades compared part by part.

    .venv/bin/python benchmarks/bench_grading.py [--students 8] [--assignments dense]
    .venv/bin/python benchmarks/bench_grading.py --students 20 --assignments dense,cnn,recurrent \
        --serial-students 4
    .venv/bin/python benchmarks/bench_grading.py --figure autograder/scaling.png
    .venv/bin/python benchmarks/bench_grading.py --breakdown

The class cycles through four kinds of student: the released notebook with the instructor's
solutions typed into its answer cells, the released notebook handed in untouched, and two
planted slips (a relu output on Q1, compute's FLOPs without the activations). The baseline is
nbgrader's own serial autograde of every student in one course directory with the course's
configuration, running every cell as nbgrader's Execute does (ours skips the ungraded tail no
grade depends on; timed: the autograde commands). Ours is the whole ``grade`` command,
everything included: collecting, the template course, a local Dask cluster, warm kernels,
autograde, feedback, the gradebook, grades.csv and the summary.
Prints seconds per student, the ratio, what a class of 200 would take at this rate, and
whether every part's grade is the same in both. Ours runs ``--repeat R`` times (default 3),
each in a new course directory: the median run is compared, the spread is printed, and every
run's grades must equal the serial run's (a rerun never changes a grade). ``--serial-students
K`` times the serial baseline on the first K students only (a large class takes ~10 s per
student and notebook serially); the ratio is then of seconds per student, and grades are
compared on those K.
Also prints the CPU both used (the OS's count, every process) and the best ratio ours could
reach with that CPU on this machine's cores. ``--breakdown`` runs ours once more, sampling its
CPU by process (the zygote's imports, the kernels, the Dask workers, the grading process), and
prints what 8x would leave the workers and the grading process.
``--figure PATH`` also draws how the time grows with the number of workers: a model fitted to
this run (the fixed cost of a run, and each student's seconds on a worker),
T(N, W) = fixed + ⌈N / W⌉ × per-student, for a class of 200 and of 20,000.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.grading import assignment_layout, write_course_config

SLIPS = {  # (assignment, solution cell, text, replacement)
    "relu_output": (
        "dense",
        "q1_model_answer",
        'layers.Dense(1, activation="sigmoid")',
        'layers.Dense(1, activation="relu")',
    ),
    "no_activation_flops": (
        "dense",
        "compute_answer",
        "flops += 2 * n_in * n_out + n_out * a",
        "flops += 2 * n_in * n_out",
    ),
}


def _env() -> dict[str, str]:
    """The environment of the commands timed here: this venv first, TensorFlow quiet."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _notebook(kind: str, assignment: str, nb: str) -> nbformat.NotebookNode:
    """What a student of ``kind`` hands in: the released notebook, its answer cells left as
    released (``blank``) or holding the instructor's solutions (with the kind's slip)."""
    notebook = nbformat.read(REPO / "assignments" / assignment / f"{nb}.ipynb", 4)
    if kind == "blank":
        return notebook
    source = nbformat.read(REPO / "source" / assignment / f"{nb}.ipynb", 4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    if kind in SLIPS and SLIPS[kind][0] == assignment:
        _, grade_id, old, new = SLIPS[kind]
        cell = next(
            c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        )
        assert cell.source.count(old) == 1, (kind, grade_id)
        cell.source = cell.source.replace(old, new)
    return notebook


def _children_cpu() -> float:
    """CPU seconds (user + system) of every process this one has waited for, and theirs."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _make_class(root: Path, n: int, layout: dict[str, list[str]]) -> Path:
    kinds = ["perfect", "blank", *SLIPS]
    subs = root / "submissions"
    for i in range(n):
        student = f"s{i:03d}_{kinds[i % len(kinds)]}"
        for assignment, notebooks in layout.items():
            for nb in notebooks:
                dest = subs / student / assignment / f"{nb}.ipynb"
                dest.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(_notebook(kinds[i % len(kinds)], assignment, nb), dest)
    return subs


def _serial_nbgrader(
    root: Path, subs: Path, source: Path, layout: dict[str, list[str]], students: list[str]
) -> tuple[float, float]:
    """Wall and CPU seconds of nbgrader's autograde of ``students`` (kernels included)."""
    course = root / "serial"
    shutil.copytree(source, course / "source")
    write_course_config(course)
    with (course / "nbgrader_config.py").open("a") as fh:  # every cell, as nbgrader's Execute
        fh.write("c.SurvivingExecute.run_ungraded_tail = True\n")
    for student in students:
        shutil.copytree(subs / student, course / "submitted" / student)

    def run(*args):
        subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=course,
            env=_env(),
            check=True,
            capture_output=True,
        )

    for assignment in layout:
        run("generate_assignment", assignment, "--force")
    start, cpu = time.perf_counter(), _children_cpu()
    for assignment in layout:
        run("autograde", assignment, "--force")
    return time.perf_counter() - start, _children_cpu() - cpu


def _ours(
    root: Path, subs: Path, source: Path, workers: int, run: int = 0, sample=None
) -> tuple[float, float, dict | None]:
    """Wall and CPU seconds of the ``grade`` command (every process it started included), and
    what ``sample`` found: called with the command's process while it runs (:func:`_breakdown`)."""
    out, course = root / f"ours{run}", root / f"course{run}"
    shutil.copytree(source, course / "source")
    start, cpu = time.perf_counter(), _children_cpu()
    command = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            str(subs),
            "--out",
            str(out),
            "--workers",
            str(workers),
            "--course",
            str(course),
        ],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    found = sample(command) if sample else None
    if command.wait():
        raise subprocess.CalledProcessError(command.returncode, command.args)
    return time.perf_counter() - start, _children_cpu() - cpu, found


def _breakdown(command: subprocess.Popen) -> dict[str, float]:
    """Where the ``grade`` command's CPU goes, sampled every 50 ms from outside (psutil): the
    zygote (its imports), the kernels forked from it (the students' code), the Dask workers
    (nbgrader's autograde and feedback) and the grading process (template, recording,
    summary). A process's last 50 ms can be missed: the sum is compared with the OS's own
    total."""
    import psutil

    last: dict[tuple[int, float], tuple[str, float]] = {}
    top = psutil.Process(command.pid)
    while command.poll() is None:
        try:
            procs = [top, *top.children(recursive=True)]
        except psutil.Error:
            break
        for proc in procs:
            try:
                with proc.oneshot():
                    key = proc.pid, proc.create_time()
                    part = last.get(key, ("", 0.0))[0]
                    line = " ".join(proc.cmdline())  # empty once the process has exited
                    if proc.pid == top.pid:
                        part = "grading process"
                    elif "autograder.zygote" in line:
                        part = "zygote" if proc.ppid() == top.pid else "kernels"
                    elif not part and line:
                        part = "workers"
                    times = proc.cpu_times()
                    last[key] = (part, times.user + times.system)
            except psutil.Error:
                continue
        time.sleep(0.05)
    parts: dict[str, float] = {}
    for part, cpu in last.values():
        part = part or "workers"  # (seen only after it had exited)
        parts[part] = parts.get(part, 0.0) + cpu
    return parts


def _fit(out: Path, total: float, workers: int) -> tuple[float, float]:
    """(fixed seconds of a run, median seconds of one student on a worker) of our run."""
    import json
    import statistics

    seconds = [json.loads(p.read_text())["seconds"] for p in (out / "results").glob("*.json")]
    per_student = statistics.median(seconds)
    return max(total - sum(seconds) / workers, 0.0), per_student


def _figure(path: Path, fixed: float, per_student: float, label: str) -> None:
    import math

    from matplotlib.figure import Figure

    workers = [2**k for k in range(11)]
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    for n in (200, 20_000):
        minutes = [(fixed + math.ceil(n / w) * per_student) / 60 for w in workers]
        ax.plot(workers, minutes, marker="o", label=f"class of {n:,}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("Dask workers (one student at a time each)")
    ax.set_ylabel("minutes to grade the class")
    ax.set_title(
        f"{label}: fixed {fixed:.0f} s + {per_student:.1f} s per student per worker", fontsize=9
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _grades(db: Path) -> dict[tuple, float]:
    """{(student, assignment, notebook, part): score} of every graded part in a gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{db}") as gb:
            for assignment in gb.assignments:
                for student in gb.students:
                    for nb in assignment.notebooks:
                        sub = gb.find_submission_notebook(nb.name, assignment.name, student.id)
                        for g in sub.grades:
                            out[(student.id, assignment.name, nb.name, g.name)] = g.score
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--assignments", default="dense", help="comma-separated")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--serial-students",
        type=int,
        default=None,
        metavar="K",
        help="time serial nbgrader on the first K students only (its seconds per "
        "student are compared; grades compared on those K); default: all",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="R",
        help="run ours R times, each in a new course (its median is compared; every run's "
        "grades must be the serial run's); default 3",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="one more run of ours, its CPU sampled by process: the zygote, the kernels, the "
        "workers, the grading process; and the best ratio grading could reach with nothing "
        "but the zygote and the kernels",
    )
    parser.add_argument(
        "--figure",
        type=Path,
        default=None,
        help="draw the time against the number of workers, fitted to this run",
    )
    args = parser.parse_args()
    layout = assignment_layout(REPO / "source")
    layout = {a: layout[a] for a in args.assignments.split(",")}
    notebooks = sum(len(v) for v in layout.values())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subs = _make_class(root, args.students, layout)
        source = root / "source_subset"  # grade only the chosen assignments
        for a in layout:
            shutil.copytree(REPO / "source" / a, source / a)
        n = args.students
        k = min(args.serial_students or n, n)
        students = sorted(p.name for p in subs.iterdir())[:k]
        serial, serial_cpu = _serial_nbgrader(root, subs, source, layout, students)
        timed = [_ours(root, subs, source, args.workers, r) for r in range(max(1, args.repeat))]
        runs = [wall for wall, _, _ in timed]
        median = sorted(range(len(runs)), key=runs.__getitem__)[len(runs) // 2]
        ours, ours_cpu, _ = timed[median]
        parts = None
        if args.breakdown:
            _, sampled_cpu, parts = _ours(
                root, subs, source, args.workers, len(runs), sample=_breakdown
            )
        theirs = _grades(root / "serial" / "gradebook.db")
        graded = [  # every run's, the breakdown's too
            {
                key: v
                for key, v in _grades(root / f"course{r}" / "gradebook.db").items()
                if key[0] in students
            }
            for r in range(len(runs) + bool(args.breakdown))
        ]
        fixed, per_student = _fit(root / f"ours{median}", ours, args.workers)
    same = all(theirs == g for g in graded)
    print(
        f"class of {n} students × {notebooks} notebooks ({', '.join(layout)}), "
        f"{args.workers} workers, {os.cpu_count()} cores"
    )
    print(
        f"serial nbgrader autograde : {serial:8.1f} s  = {serial / k:6.2f} s/student"
        + (f" (measured on {k} of the {n} students)" if k < n else "")
    )
    print(
        f"autograder grade          : {ours:8.1f} s  = {ours / n:6.2f} s/student "
        f"(everything included; median of {len(runs)} runs, {min(runs):.1f}–{max(runs):.1f} s)"
    )
    print(
        f"ratio serial / ours       : {(serial / k) / (ours / n):6.2f}x (seconds per student; "
        f"{(serial / k) / (max(runs) / n):.2f}–{(serial / k) / (min(runs) / n):.2f}x over the runs)"
    )
    print(
        f"class of 200 at this rate : {200 * ours / n / 60:6.1f} min; fitted: fixed "
        f"{fixed:.1f} s + {per_student:.2f} s per student per worker → "
        f"{(fixed + 200 / args.workers * per_student) / 60:.1f} min for 200"
    )
    w = min(args.workers, os.cpu_count() or 1)
    print(
        f"CPU, every process        : serial {serial_cpu:6.1f} s = {serial_cpu / k:5.2f} s/student; "
        f"ours {ours_cpu:6.1f} s = {ours_cpu / n:5.2f} s/student (the median run): on {w} cores "
        f"no run of ours can take less than {ours_cpu / w:.1f} s, at best "
        f"{(serial / k) / (ours_cpu / w / n):.2f}x"
    )
    if parts:
        print(
            f"breakdown (one more run, sampled; {sum(parts.values()):.1f} s of the "
            f"{sampled_cpu:.1f} s the OS counted):"
        )
        for part in ("zygote", "kernels", "workers", "grading process"):
            print(
                f"  {part:<16}: {parts.get(part, 0.0):6.1f} s = {parts.get(part, 0.0) / n:5.2f} s/student"
            )
        zygote, kernels = parts.get("zygote", 0.0), parts.get("kernels", 0.0)
        floor = zygote + kernels / w  # no kernel starts before the zygote's imports are done
        target = serial / k * n / 8  # 8x: the class in the time serial nbgrader takes a student
        budget = w * target - zygote - kernels  # every core busy all that time
        rest = parts.get("workers", 0.0) + parts.get("grading process", 0.0)
        print(
            f"with nothing but the zygote and the kernels: at least {floor:.1f} s, at best "
            f"{(serial / k) / (floor / n):.2f}x"
        )
        print(
            f"8x ({target:.1f} s for the class) leaves the workers and the grading process at "
            f"most {max(budget, 0.0):.1f} s of CPU, with every core busy all the time; they used "
            f"{rest:.1f} s"
        )
    if args.figure:
        _figure(args.figure, fixed, per_student, f"{', '.join(layout)} on {os.cpu_count()} cores")
        print(f"figure: {args.figure}")
    print(
        f"grades identical part by part: {'yes' if same else 'NO'} ({len(theirs)} parts, every run)"
    )
    for run, mine in enumerate(graded):
        for key in sorted(set(theirs) | set(mine)):
            if theirs.get(key) != mine.get(key):
                print(f"  run {run + 1}, {key}: nbgrader {theirs.get(key)} vs ours {mine.get(key)}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
