"""nncost.measure: the roofline's arithmetic on the course's models, worked out by hand here;
and the real measurements (latency, the machine) return sane numbers. No duration is asserted.
"""

from __future__ import annotations

import math
import statistics

import pytest

import nncost
from nncost import course, measure
from nncost.errors import NNCostError
from nncost.measure import Latency, Machine, Measurement
from tests import fresh

# Q1 (dense 5 → 5 → 5 → 1): params 5·5+5 = 30, 30, 5·1+1 = 6 → 66; FLOPs 55 + 55 + 11 = 121.
# Traffic of one sample, in float32 values: 66 parameters read; outputs 5 + 5 + 1 = 11 written;
# inputs read: the model's 5, then 5 and 5 (every output but the last) = 15.
Q1_BYTES = 4 * (66 + 15 + 11)  # 368
Q1_INTENSITY = 121 / 368  # 0.3288 FLOPs per byte
# Q3 (MNIST CNN): params 320 + 18,496 + 102,464 + 650 = 121,930; FLOPs 5,113,532 (test_checks).
# Outputs 21,632 + 5,408 + 7,744 + 1,600 + 1,600 (flatten) + 64 + 10 = 38,058 written;
# inputs read: 28·28·1 = 784, then every output but the last: 784 + 38,058 − 10 = 38,832.
Q3_FLOPS = 5_113_532
Q3_BYTES = 4 * (121_930 + 38_832 + 38_058)  # 4 · 198,820 = 795,280
Q3_INTENSITY = Q3_FLOPS / Q3_BYTES  # 6.43 FLOPs per byte

#: a machine written by hand: 100 GFLOP/s, 20 GB/s; ridge 1e11 / 2e10 = 5 FLOPs per byte
SPEC = Machine(peak_flops=1e11, bandwidth=2e10)


@pytest.fixture(scope="module")
def reports():
    return {"q1": nncost.profile(course.q1()), "q3": nncost.profile(course.q3())}


def test_bytes_moved_and_intensity_of_q1_and_q3(reports):
    assert measure.bytes_moved(reports["q1"]) == Q1_BYTES == 368
    assert measure.bytes_moved(reports["q3"]) == Q3_BYTES == 795_280
    assert measure.intensity(reports["q1"]) == pytest.approx(Q1_INTENSITY)
    assert measure.intensity(reports["q3"]) == pytest.approx(Q3_INTENSITY)


def test_q1_is_memory_bound_and_q3_compute_bound_on_the_hand_written_machine(reports):
    assert SPEC.ridge == 5
    # Q1: 0.3288 < 5, so the roof is its intensity × bandwidth: 121/368 · 2e10 = 6.576e9 FLOP/s
    assert SPEC.bound(Q1_INTENSITY) == "memory"
    assert SPEC.attainable(measure.intensity(reports["q1"])) == pytest.approx(121 / 368 * 2e10)
    # Q3: 6.43 > 5, so the roof is the peak, 1e11 FLOP/s
    assert SPEC.bound(Q3_INTENSITY) == "compute"
    assert SPEC.attainable(measure.intensity(reports["q3"])) == 1e11


def test_a_batch_moves_the_parameters_once_and_raises_the_intensity(reports):
    # Q3 at batch 32: 4·(121,930 + 32·(784 + 2·38,058 − 10)) = 4·(121,930 + 32·76,890)
    # = 4·2,582,410 = 10,329,640 bytes for 32·5,113,532 = 163,633,024 FLOPs: 15.84 FLOPs/byte
    assert measure.bytes_moved(reports["q3"], 32) == 10_329_640
    assert measure.intensity(reports["q3"], 32) == pytest.approx(163_633_024 / 10_329_640)
    # on a 1e11 FLOP/s, 1e10 B/s machine (ridge 10), Q3 is memory-bound alone, compute-bound
    # in batches of 32
    slower_memory = Machine(peak_flops=1e11, bandwidth=1e10)
    assert slower_memory.bound(measure.intensity(reports["q3"])) == "memory"
    assert slower_memory.bound(measure.intensity(reports["q3"], 32)) == "compute"


def test_latency_statistics_of_hand_written_times():
    lat = Latency(batch_size=4, warmup=2, times=(1e-3, 2e-3, 3e-3, 4e-3, 10e-3))
    assert lat.repeats == 5
    assert (lat.median, lat.min, lat.max) == (3e-3, 1e-3, 10e-3)
    # quartiles of 5 values (statistics' "exclusive" method): positions 1.5 and 4.5
    # → q1 = (1 + 2)/2 ms = 1.5 ms, q3 = (4 + 10)/2 ms = 7 ms; IQR = 5.5 ms
    assert lat.iqr == pytest.approx(5.5e-3)
    assert lat.per_sample == pytest.approx(3e-3 / 4)


def test_achieved_rate_and_the_course_estimate_worked_by_hand():
    one = Measurement("Q1", flops=121, bytes=368, latency=Latency(1, 0, (2e-6, 1e-6, 4e-6)))
    # median 2 µs: 121 FLOPs / 2e-6 s = 6.05e7 FLOP/s; the course's estimate 121 / 1e9 s
    assert one.achieved == pytest.approx(6.05e7)
    assert one.estimate == pytest.approx(1.21e-7)
    assert one.intensity == pytest.approx(121 / 368)
    assert one.attainable(SPEC) == pytest.approx(121 / 368 * 2e10)
    batch = Measurement(
        "Q3", flops=Q3_FLOPS, bytes=10_329_640, latency=Latency(32, 0, (0.02, 0.01, 0.03))
    )
    # 32 · 5,113,532 FLOPs in the median 0.02 s = 8.1816512e9 FLOP/s; estimate 32·5,113,532/1e9
    assert batch.achieved == pytest.approx(32 * 5_113_532 / 0.02)
    assert batch.estimate == pytest.approx(0.163633024)
    assert batch.attainable(SPEC) == 1e11


def _sane(x: float) -> bool:
    return math.isfinite(x) and x > 0


def test_the_real_measurement_returns_positive_finite_numbers():
    q1 = course.q1()
    result = measure.measure(q1, repeats=5, warmup=1)
    lat = result.latency
    assert (lat.batch_size, lat.warmup, lat.repeats) == (1, 1, 5)
    assert all(_sane(t) for t in lat.times)
    assert lat.min <= lat.median <= lat.max and lat.iqr >= 0
    assert (result.flops, result.bytes) == (121, Q1_BYTES)
    assert _sane(result.achieved) and result.achieved == 121 / statistics.median(lat.times)
    assert "q1_dense" in str(result) and "median of 5" in str(lat)


def test_latency_of_a_batch_and_of_a_sequence_model():
    assert measure.latency(course.q3(), batch_size=8, repeats=3, warmup=1).batch_size == 8
    q7 = course.q7()  # time axis None: the sequence length must be given
    with pytest.raises(NNCostError, match="seq_len=5"):
        measure.latency(q7)
    assert _sane(measure.latency(q7, seq_len=5, repeats=2).median)
    with pytest.raises(NNCostError, match="repeats"):
        measure.latency(q7, seq_len=5, repeats=0)


def test_machine_is_measured_once_and_sane():
    first = measure.machine()
    assert _sane(first.peak_flops) and _sane(first.bandwidth) and _sane(first.ridge)
    assert measure.machine() is first  # cached for the process
    assert "GFLOP/s" in str(first)


def test_import_nncost_measure_stays_light():
    assert fresh.loaded("nncost.measure", ("tensorflow", "keras", "numpy", "matplotlib")) == []
