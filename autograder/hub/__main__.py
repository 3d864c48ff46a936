"""``python -m autograder.hub COMMAND`` — the course on a JupyterHub (README: "Teach with it").

Commands:
  setup   set this machine up for the hub (as root; idempotent): users, exchange, proxy, course
  start   setup, then run JupyterHub on http://127.0.0.1:8000 until Ctrl-C (`make hub`)

The instructor grades on the hub, after `nbgrader collect`, in the course directory:
  python -m autograder grade submitted --course . --out graded
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _setup(args) -> int:
    from autograder.hub import provision

    provision.provision(provision.Hub(port=args.port))
    return 0


def _start(args) -> int:
    from autograder.hub import provision

    hub = provision.provision(provision.Hub(port=args.port))
    config = Path(__file__).resolve().parent / "jupyterhub_config.py"
    users = ", ".join(hub.users)
    print(
        f"JupyterHub on {hub.url} — log in as {users} with the passwords in "
        f"{hub.state / 'passwords.json'}; Ctrl-C stops it",
        flush=True,
    )
    jupyterhub = Path(sys.prefix) / "bin" / "jupyterhub"
    os.environ["NNCOST_HUB_STATE"] = str(hub.state)
    os.chdir(hub.state)
    os.execv(jupyterhub, [str(jupyterhub), "-f", str(config)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.hub",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, run in (("setup", _setup), ("start", _start)):
        cmd = sub.add_parser(name, help=f"{name} the hub (as root)")
        cmd.add_argument("--port", type=int, default=8000, help="the hub's port on 127.0.0.1")
        cmd.set_defaults(run=run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
