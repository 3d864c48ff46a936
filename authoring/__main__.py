"""``python -m authoring COMMAND`` — tools for the course's authors.

Commands:
  sync           make each source/<a>/<a>.ipynb and its text twin <a>.source.md equal
                 (the one edited last wins); --root COURSE (default: this repository)
  walkthroughs   executed notebooks with solutions and explanations, in walkthroughs/

Releasing (compiling the references, then nbgrader) is ``python -m autograder release``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _walkthroughs(args) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from authoring import walkthroughs

    walkthroughs.build()
    return 0


def _sync(args) -> int:
    from authoring.build import sync

    for notebook in sorted(Path(args.root, "source").glob("*/*.ipynb")):
        print(f"{notebook}: {sync(notebook)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m authoring",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sync = sub.add_parser("sync", help="sync each source notebook with its text twin")
    sync.add_argument("--root", default=str(ROOT), help="course directory (default: the repo)")
    sync.set_defaults(run=_sync)
    sub.add_parser(
        "walkthroughs", help="executed solution walkthroughs in walkthroughs/"
    ).set_defaults(run=_walkthroughs)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
