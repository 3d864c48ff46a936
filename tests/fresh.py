"""A fresh Python of this environment, for the tests that ``import nncost`` stays light."""

from __future__ import annotations

import ast
import os
import subprocess
import sys


def run(code: str) -> str:
    """What ``code`` prints in a fresh Python with this ``sys.path`` (stripped)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    return done.stdout.strip()


def loaded(imports: str, heavy: tuple[str, ...]) -> list[str]:
    """Which of the ``heavy`` modules a fresh Python holds after ``import {imports}``."""
    code = f"import sys, {imports}; print([m for m in {heavy!r} if m in sys.modules])"
    return ast.literal_eval(run(code))
