"""``python -m autograder.limit BYTES -- CMD…``: run CMD with an address-space limit.

The limit is inherited by everything CMD starts (nbgrader's kernels), so a notebook that
allocates far too much memory fails with MemoryError in its own cell instead of taking
the machine down. (A wrapper process instead of ``preexec_fn``, which is unsafe in a
threaded parent.)
"""

import os
import resource
import sys


def main(argv: list[str]) -> None:
    limit, sep, *cmd = argv
    if sep != "--" or not cmd:
        raise SystemExit("usage: python -m autograder.limit BYTES -- CMD [ARGS...]")
    resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
