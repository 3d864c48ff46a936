"""``python -m autograder COMMAND`` — the course's nbgrader workflow.

Commands:
  release        compile the hidden tests' references into source/ (authoring.build), then
                 regenerate assignments/ from source/ with nbgrader (every assignment);
                 --zip PATH also writes them to a zip to upload to an LMS (Canvas, Moodle)
  grade          grade a class: SUBMISSIONS --out DIR [--workers N] (see autograder/README.md)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _release(args) -> int:
    from autograder import coursedir

    names = coursedir.release(args.root)
    if args.zip:
        print(f"wrote {coursedir.release_zip(args.root, args.zip, names)} (upload it to the LMS)")
    return 0


def main(argv: list[str] | None = None) -> int:
    from autograder.coursedir import ROOT

    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    release = sub.add_parser("release", help="regenerate assignments/ from source/ (nbgrader)")
    release.add_argument("--root", default=str(ROOT), help="course directory (default: the repo)")
    release.add_argument(
        "--zip",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the released notebooks to a zip for Canvas/Moodle",
    )
    release.set_defaults(run=_release)
    from autograder import grading

    grade = sub.add_parser("grade", help="grade a class: autograde, feedback, grades.csv, summary")
    grading.add_arguments(grade)
    grade.set_defaults(run=grading.run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now. Python's last garbage collection of this
    # process's heap (nbgrader, SQLAlchemy, Dask, matplotlib) takes 0.5 s at exit; frozen
    # objects are left to the operating system instead.
    import gc

    gc.freeze()
    sys.exit(code)
