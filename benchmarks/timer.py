"""Timing helper for the benchmarks (d2l's Benchmark shape): warm-up, perf_counter, median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, ours: float, theirs: float, alternative: str, target: float) -> bool:
    ratio = theirs / ours
    ok = ratio >= target
    print(
        f"{name:<28} nncost {ours * 1e3:9.2f} ms   {alternative} {theirs * 1e3:10.2f} ms   "
        f"ratio {ratio:8.1f}x  (target >= {target:g}x: {'met' if ok else 'NOT met'})"
    )
    return ok
