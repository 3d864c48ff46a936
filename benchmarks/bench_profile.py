"""nncost.profile vs TensorFlow's profiler (tf.compat.v1.profiler float_operation) on the
same built model, measured in one run. Target: nncost at least 100x faster.

    .venv/bin/python benchmarks/bench_profile.py
"""

import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras
from timer import median_seconds, report

import nncost
from nncost.tfprofiler import tf_profiler_flops


def main() -> int:
    warnings.simplefilter("ignore")
    ok = True
    for name in ("MobileNet", "ResNet50"):
        model = getattr(keras.applications, name)(weights=None)
        ours = median_seconds(lambda m=model: nncost.profile(m), repeat=7)
        theirs = median_seconds(lambda m=model: tf_profiler_flops(m), repeat=3)
        ok &= report(f"profile {name}", ours, theirs, "tf.profiler", 100)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
