"""Grading a synthetic class: plain serial ``nbgrader autograde`` vs
``python -m autograder grade --workers 2``, measured in one run.

    .venv/bin/python benchmarks/bench_grading.py [--students 40] [--assignments a,b]

Half the class hands in the instructor's solutions (full marks), half the released
notebooks (zero). The baseline is nbgrader's own serial autograde of every student in
one course directory; ours also generates feedback and the class summary. Prints seconds
per student, the ratio, and what that means for a class of 200 (target: < 20 minutes).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.grading import Limits, _env, assignment_layout, write_course_config


def _make_class(root: Path, n: int, layout: dict[str, list[str]]) -> Path:
    subs = root / "submissions"
    for i in range(n):
        student = f"s{i:03d}"
        for assignment, notebooks in layout.items():
            for nb in notebooks:
                src = (REPO / "source" if i % 2 == 0 else REPO / "assignments") / assignment / f"{nb}.ipynb"
                dest = subs / student / assignment / f"{nb}.ipynb"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
    return subs


def _serial_nbgrader(root: Path, subs: Path, source: Path, layout: dict[str, list[str]]) -> float:
    course = root / "serial"
    shutil.copytree(source, course / "source")
    write_course_config(course, Limits())
    shutil.copytree(subs, course / "submitted")
    run = lambda *args: subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                                       env=_env(), check=True, capture_output=True)
    for assignment in layout:
        run("generate_assignment", assignment, "--force")
    start = time.perf_counter()
    for assignment in layout:
        run("autograde", assignment, "--force")
    return time.perf_counter() - start


def _ours(root: Path, subs: Path, source: Path, workers: int) -> float:
    out, course = root / f"ours{workers}", root / f"course{workers}"
    shutil.copytree(source, course / "source")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out),
                    "--workers", str(workers), "--course", str(course)], cwd=REPO, env=_env(),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignments", default=None, help="comma-separated (default: all)")
    args = parser.parse_args()
    layout = assignment_layout(REPO / "source")
    if args.assignments:
        layout = {a: layout[a] for a in args.assignments.split(",")}
    notebooks = sum(len(v) for v in layout.values())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subs = _make_class(root, args.students, layout)
        source = root / "source_subset"  # grade only the chosen assignments
        for a in layout:
            shutil.copytree(REPO / "source" / a, source / a)
        serial = _serial_nbgrader(root, subs, source, layout)
        ours = _ours(root, subs, source, 2)
    n = args.students
    print(f"class of {n} students × {notebooks} notebooks ({', '.join(layout)})")
    print(f"serial nbgrader autograde : {serial:8.1f} s  = {serial / n:6.2f} s/student")
    print(f"autograder grade -w 2     : {ours:8.1f} s  = {ours / n:6.2f} s/student "
          "(autograde + feedback + summary)")
    print(f"ratio serial / ours       : {serial / ours:6.2f}x")
    print(f"class of 200 at this rate : {200 * ours / n / 60:6.1f} min (target < 20 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
