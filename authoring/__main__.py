"""``python -m authoring COMMAND`` — tools for the course's authors.

Commands:
  walkthroughs   executed notebooks with solutions and explanations, in walkthroughs/

Releasing (compiling the references, then nbgrader) is ``python -m autograder release``.
"""

from __future__ import annotations

import argparse
import os
import sys


def _walkthroughs(args) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from authoring import walkthroughs

    walkthroughs.build()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m authoring",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "walkthroughs", help="executed solution walkthroughs in walkthroughs/"
    ).set_defaults(run=_walkthroughs)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
