"""`python -c "import nncost"` vs `python -c "import tensorflow"`, each in a fresh
interpreter, measured in one run. Target: nncost at least 10x faster.

    .venv/bin/python benchmarks/bench_import.py
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timer import median_seconds, report


def _run(module: str) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)


def main() -> int:
    baseline = median_seconds(lambda: _run("sys"), repeat=5)  # interpreter start-up alone
    ours = median_seconds(lambda: _run("nncost"), repeat=5)
    theirs = median_seconds(lambda: _run("tensorflow"), repeat=3)
    print(f"interpreter start-up alone: {baseline * 1e3:.0f} ms (included in both)")
    ok = report("import", ours, theirs, "import tensorflow", 10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
