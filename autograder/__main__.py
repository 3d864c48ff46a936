"""``python -m autograder COMMAND`` — the course's nbgrader workflow.

Commands:
  sources        write source/<assignment>/<notebook>.ipynb from the generators
                 (autograder/notebooks.py and autograder/build_cnn_concepts.py)
  release        regenerate assignments/ from source/ with nbgrader (every assignment);
                 --zip PATH also writes them to a zip to upload to an LMS (Canvas, Moodle)
  walkthroughs   executed notebooks with solutions and explanations, in walkthroughs/
  grade          grade a class: SUBMISSIONS --out DIR [--workers N] (see autograder/README.md)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def _sources(args) -> int:
    _quiet_tensorflow()
    from autograder import build_sources

    for path in build_sources.write():
        print(f"wrote {path.relative_to(build_sources.ROOT)}")
    from autograder import build_cnn_concepts

    build_cnn_concepts.main()
    return 0


def _release(args) -> int:
    from autograder import course

    names = course.release(args.root)
    if args.zip:
        print(f"wrote {course.release_zip(args.root, args.zip, names)} (upload it to the LMS)")
    return 0


def _walkthroughs(args) -> int:
    _quiet_tensorflow()
    from autograder import walkthroughs

    walkthroughs.build()
    return 0


def main(argv: list[str] | None = None) -> int:
    from autograder.course import ROOT

    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sources", help="write source/ from autograder/notebooks.py").set_defaults(
        run=_sources
    )
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
    sub.add_parser(
        "walkthroughs", help="executed solution walkthroughs in walkthroughs/"
    ).set_defaults(run=_walkthroughs)
    from autograder import grading

    grade = sub.add_parser("grade", help="grade a class: autograde, feedback, grades.csv, summary")
    grading.add_arguments(grade)
    grade.set_defaults(run=grading.run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
