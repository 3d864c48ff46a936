"""Estimate vs reality: time a model, measure the machine, place both on a roofline.

The course estimates the inference time as FLOPs / FLOPS. Here the model runs for real:

* :func:`latency` times ``model(x, training=False)`` (warm-up first, then the median of
  repeats, ``time.perf_counter``), the shape of d2l's ``Timer``/``Benchmark``;
* :func:`measure` puts that time next to the course's estimate and gives the achieved FLOP/s;
* :func:`machine` measures this computer's peak compute and memory bandwidth (numpy), once per
  process;
* :func:`bytes_moved` and :func:`intensity` give a model's arithmetic intensity, and
  :meth:`Machine.attainable` the roofline: ``min(peak, intensity × bandwidth)``.
  :func:`nncost.plot.roofline` draws it.

Every number is in base units: seconds, FLOPs, FLOP/s, bytes, bytes per second.
Keras and numpy are imported when a function needs them; ``import nncost.measure`` is light.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
import time

from nncost.errors import NNCostError, check_batch_size

__all__ = [
    "Latency",
    "Machine",
    "Measurement",
    "bytes_moved",
    "intensity",
    "latency",
    "machine",
    "measure",
]

#: bytes of one float32 value: a parameter or an activation
FLOAT32 = 4


# --------------------------------------------------------------------------- latency
@dataclasses.dataclass(frozen=True)
class Latency:
    """Wall-clock seconds of one forward pass on a batch of ``batch_size`` samples.

    ``times`` holds one duration per repeat (seconds, whole batch), measured after ``warmup``
    calls that are not kept (the first calls build graphs and fill caches).
    """

    batch_size: int
    warmup: int
    times: tuple

    @property
    def repeats(self) -> int:
        return len(self.times)

    @property
    def median(self) -> float:
        """Median seconds of one call (the whole batch): the number to quote."""
        return statistics.median(self.times)

    @property
    def min(self) -> float:
        """Fastest call, seconds."""
        return min(self.times)

    @property
    def max(self) -> float:
        """Slowest call, seconds."""
        return max(self.times)

    @property
    def iqr(self) -> float:
        """Interquartile range of the calls, seconds (0 with fewer than two repeats)."""
        if len(self.times) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.times, n=4)
        return q3 - q1

    @property
    def per_sample(self) -> float:
        """Median seconds per sample: ``median / batch_size``."""
        return self.median / self.batch_size

    def __str__(self) -> str:
        return (
            f"{self.median * 1e3:.3g} ms per call of {self.batch_size} sample(s) (median of "
            f"{self.repeats}; min {self.min * 1e3:.3g} ms, max {self.max * 1e3:.3g} ms, "
            f"IQR {self.iqr * 1e3:.2g} ms; {self.warmup} warm-up calls)"
        )


def _random_input(model, batch_size: int, seq_len: int | None):
    """Random float32 inputs of the model's input shapes; a ``None`` axis takes ``seq_len``."""
    import numpy as np

    rng = np.random.default_rng(0)
    arrays = []
    for tensor in model.inputs:
        shape = tuple(tensor.shape[1:])
        if None in shape and seq_len is None:
            raise NNCostError(
                f"the model's input {shape} has an axis of unknown length: pass the sequence "
                "length, e.g. latency(model, seq_len=5)."
            )
        shape = tuple(seq_len if d is None else d for d in shape)
        arrays.append(rng.standard_normal((batch_size, *shape)).astype("float32"))
    return arrays[0] if len(arrays) == 1 else arrays


def latency(
    model, *, batch_size: int = 1, warmup: int = 3, repeats: int = 20, seq_len: int | None = None
) -> Latency:
    """Time ``model(x, training=False)`` on a random batch: ``warmup`` calls, then ``repeats``.

    Args:
        model: a built Keras model.
        batch_size: samples per call.
        warmup: calls made first and not kept.
        repeats: timed calls (``time.perf_counter``), one duration each.
        seq_len: time steps for an input whose time axis is ``None``.

    The model is called directly (no ``predict``, whose per-call overhead is larger), on the
    same random input each time.
    """
    check_batch_size(batch_size)
    if repeats < 1 or warmup < 0:
        raise NNCostError(f"repeats must be >= 1 and warmup >= 0, got {repeats} and {warmup}.")
    if not getattr(model, "built", False) or not getattr(model, "inputs", None):
        raise NNCostError("latency() needs a built Keras model: start it with keras.Input(shape).")
    x = _random_input(model, batch_size, seq_len)
    for _ in range(warmup):
        _wait(model(x, training=False))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _wait(model(x, training=False))
        times.append(time.perf_counter() - start)
    return Latency(batch_size=batch_size, warmup=warmup, times=tuple(times))


def _wait(output) -> None:
    """Block until an asynchronous backend (JAX) has finished computing ``output``."""
    ready = getattr(output, "block_until_ready", None)
    if ready is not None:
        ready()


# --------------------------------------------------------------------------- the machine
@dataclasses.dataclass(frozen=True)
class Machine:
    """What a computer can do at best: the two roofs of the roofline.

    ``peak_flops``: FLOP/s (floating-point operations per second, float32);
    ``bandwidth``: bytes per second between memory and the processor.
    """

    peak_flops: float
    bandwidth: float

    @property
    def ridge(self) -> float:
        """Intensity (FLOPs per byte) where the two roofs meet: ``peak_flops / bandwidth``.

        A model below it is memory-bound, above it compute-bound.
        """
        return self.peak_flops / self.bandwidth

    def attainable(self, flops_per_byte: float) -> float:
        """The roofline: FLOP/s at best at that intensity, ``min(peak, intensity × bandwidth)``."""
        return min(self.peak_flops, flops_per_byte * self.bandwidth)

    def bound(self, flops_per_byte: float) -> str:
        """``"memory"`` below the ridge, ``"compute"`` at or above it."""
        return "memory" if flops_per_byte < self.ridge else "compute"

    def __str__(self) -> str:
        return (
            f"peak {self.peak_flops / 1e9:.3g} GFLOP/s, bandwidth "
            f"{self.bandwidth / 1e9:.3g} GB/s (1 GB = 1e9 bytes), ridge "
            f"{self.ridge:.3g} FLOPs/byte"
        )


def _best_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@functools.cache
def _measured_machine() -> Machine:
    import numpy as np

    rng = np.random.default_rng(0)
    n = 512  # a float32 matmul: 2·n³ FLOPs (n³ multiply-adds), about 0.27 GFLOPs
    a = rng.standard_normal((n, n)).astype("float32")
    b = rng.standard_normal((n, n)).astype("float32")
    peak = 2 * n**3 / _best_seconds(lambda: a @ b, repeats=5)
    src = np.ones(8 * 2**20, dtype="float32")  # 32 MiB, more than the caches hold
    dst = np.empty_like(src)
    bandwidth = 2 * src.nbytes / _best_seconds(lambda: np.copyto(dst, src), repeats=5)
    return Machine(peak_flops=peak, bandwidth=bandwidth)


def machine(*, refresh: bool = False) -> Machine:
    """This computer's measured peak compute and memory bandwidth (numpy, well under a second).

    * peak: a 512×512 float32 matrix product, ``2·n³`` FLOPs / the fastest of 5 runs;
    * bandwidth: a copy of a 32 MiB float32 array, bytes read + written (``2 × 32 MiB``) /
      the fastest of 5 runs.

    Both are what numpy reaches on this machine (all the cores its BLAS uses), not the
    vendor's figures. Measured once per process; ``refresh=True`` measures again.
    """
    if refresh:
        _measured_machine.cache_clear()
    return _measured_machine()


# --------------------------------------------------------------------------- intensity
def bytes_moved(report, batch_size: int = 1) -> int:
    """Bytes one inference moves between memory and the processor: the roofline's traffic.

    What is counted (float32, 4 bytes a value), for a batch of ``batch_size`` (1: one sample):

    * every parameter, read once: ``params × 4`` (whatever the batch size);
    * every layer's output, written once: ``Σ output elements × 4`` per sample;
    * every layer's input, read once, as a chain of layers: the model's input and every layer
      output but the last, ``(input elements + Σ output elements − last output) × 4``
      per sample.

    So ``4 × (params + batch × (input + 2·Σ outputs − last output))``. Not counted: caches
    (every value is assumed to come from memory once), a recurrent layer's hidden state at each
    step (only its final output), a tensor read by two layers (counted once). Flatten counts
    as a layer that copies its input.
    """
    check_batch_size(batch_size)
    from nncost.memory import elements

    rows = report.leaves
    outputs = sum(r.output_elements for r in rows)
    inputs = sum(elements(tuple(s), report.seq_len) for s in report.input_shapes)
    last = rows[-1].output_elements if rows else 0
    per_sample = inputs + 2 * outputs - last
    return FLOAT32 * (report.params + batch_size * per_sample)


def intensity(report, batch_size: int = 1) -> float:
    """Arithmetic intensity: FLOPs per byte moved, ``batch × FLOPs / bytes_moved``.

    FLOPs under the report's convention (the course's: a multiply-add is 2 FLOPs), bytes as
    :func:`bytes_moved` counts them.
    """
    return batch_size * report.flops / bytes_moved(report, batch_size)


# --------------------------------------------------------------------------- estimate vs reality
@dataclasses.dataclass(frozen=True)
class Measurement:
    """A model's course estimate next to its measured time.

    ``flops`` is one inference of one sample (the report's convention); ``flops_per_second``
    the processor speed the estimate assumes (1e9 = the course's 1 GFLOPS); ``bytes`` what
    :func:`bytes_moved` counts for the batch.
    """

    name: str
    flops: int
    bytes: int
    latency: Latency
    flops_per_second: float = 1e9

    @property
    def batch_size(self) -> int:
        return self.latency.batch_size

    @property
    def estimate(self) -> float:
        """The course's estimate for the batch, seconds: ``FLOPs × batch / FLOPS``."""
        return self.flops * self.batch_size / self.flops_per_second

    @property
    def measured(self) -> float:
        """The measured median, seconds for the batch."""
        return self.latency.median

    @property
    def achieved(self) -> float:
        """Achieved FLOP/s: ``FLOPs × batch / median seconds``."""
        return self.flops * self.batch_size / self.latency.median

    @property
    def intensity(self) -> float:
        """FLOPs per byte moved (see :func:`bytes_moved`)."""
        return self.flops * self.batch_size / self.bytes

    def attainable(self, machine: Machine) -> float:
        """FLOP/s the roofline allows at this intensity on ``machine``."""
        return machine.attainable(self.intensity)

    def __str__(self) -> str:
        return (
            f"{self.name}: estimate {self.estimate:.3g} s at {self.flops_per_second:.3g} "
            f"FLOP/s, measured {self.measured:.3g} s (batch {self.batch_size}): achieved "
            f"{self.achieved:.3g} FLOP/s, intensity {self.intensity:.3g} FLOPs/byte"
        )


def measure(
    model,
    *,
    batch_size: int = 1,
    flops_per_second: float = 1e9,
    warmup: int = 3,
    repeats: int = 20,
    seq_len: int | None = None,
) -> Measurement:
    """Profile ``model``, time it (:func:`latency`), and return the estimate next to reality."""
    from nncost.profiler import profile

    report = profile(model, seq_len=seq_len)
    timing = latency(model, batch_size=batch_size, warmup=warmup, repeats=repeats, seq_len=seq_len)
    return Measurement(
        name=report.model_name,
        flops=report.flops,
        bytes=bytes_moved(report, batch_size),
        latency=timing,
        flops_per_second=flops_per_second,
    )
