"""Calibration holds the false-alarm rate of the restarted detector, small references too."""

from __future__ import annotations

import numpy as np

from blastwall.detect import calibration, renewal
from blastwall.detect._bank import CusumBank, count_alarms, cusum_paths, to_units
from blastwall.detect.detectors import _indicator

RATE = 1e-4


def rate_null_run(reference: int, events: int) -> tuple[_indicator.NullRun, _indicator.Plan]:
    """What RateShift simulates for a reference with this many events."""
    counts = np.array([reference - events, events], dtype=np.int64)
    plan = _indicator.plan(_indicator.shares(counts), [1])
    return _indicator.null_run(counts, plan), plan


def realised_rate(run: _indicator.NullRun, found: calibration.Thresholds, runs: int) -> float:
    """Alarms per observation on fresh simulated no-change runs (fresh references too)."""
    offsets, threshold = found.units()
    rng = np.random.default_rng(2024)
    alarms = 0
    length = 50_000
    for _ in range(runs):
        table, symbols = run(rng, length)
        alarms += len(count_alarms(table, offsets + threshold, symbols, length)[0])
    return alarms / (runs * length)


def test_count_alarms_is_the_bank_restarted_after_each_alarm() -> None:
    run, _ = rate_null_run(1000, 10)
    table, symbols = run(np.random.default_rng(5), 40_000)
    offsets = np.zeros(table.shape[0], dtype=np.int64)
    limit = int(to_units(3.0))
    bank = CusumBank(table, offsets, limit)
    expected = bank.run(symbols)
    found, rows, read = count_alarms(table, offsets + limit, symbols, 10_000)
    assert len(expected) >= 20
    assert found == expected
    assert read == symbols.shape[0]
    # The row behind each alarm is the one `step` reports as the leader.
    stepped = CusumBank(table, offsets, limit)
    leaders = []
    for symbol in symbols:
        if stepped.step(int(symbol)):
            leaders.append(stepped.leader)
    assert rows == leaders
    # Stopping early reads only up to the last alarm counted.
    first_five, _, read_five = count_alarms(table, offsets + limit, symbols, 5)
    assert first_five == expected[:5]
    assert read_five == expected[4] + 1


def test_a_small_reference_keeps_the_rate_that_first_passages_alone_miss() -> None:
    # 1,000 observations with 10 events: the true rate may well be 30% off the reference,
    # and such a reference alarms again and again after each restart.
    run, _ = rate_null_run(1000, 10)
    found = calibration.simulate(run, RATE, seed=7, runs=128)  # as RateShift
    assert realised_rate(run, found, runs=400) <= RATE
    # The threshold from first passages alone (steps 1 and 2) alarms too often.
    offsets = np.asarray(found.offsets)
    first_passage_only = calibration.Thresholds(
        tuple(offsets), _first_passage_threshold(run, offsets)
    )
    assert first_passage_only.threshold < found.threshold
    assert realised_rate(run, first_passage_only, runs=400) > RATE


def _first_passage_threshold(run: _indicator.NullRun, offsets: np.ndarray) -> float:
    searched: list[float] = []

    def keep_start(runs: renewal.RenewalRuns, start: float, *_: object) -> float:
        searched.append(start)
        return start

    original = renewal.search
    renewal.search = keep_start  # type: ignore[assignment]
    try:
        calibration.simulate(run, RATE, seed=7, runs=128)
    finally:
        renewal.search = original  # type: ignore[assignment]
    return searched[0]


def test_search_finds_the_smallest_threshold_that_holds_the_target() -> None:
    run, _ = rate_null_run(1000, 10)
    rng = np.random.default_rng(3)
    kept = [run(rng, 20_000) for _ in range(32)]
    table = kept[0][0]
    shift = np.zeros(table.shape[0], dtype=np.int64)
    tops = [np.maximum.accumulate(_paths_top(t, s)) for t, s in kept]
    runs = renewal.RenewalRuns(kept, shift, tops)
    target = 5e-4
    for start in (1.0, 4.0, 12.0):
        found = renewal.search(runs, start, target, None)
        assert runs.rate(found)[0] <= target
        assert runs.rate(found - renewal.BRACKET)[0] > target


def _paths_top(table: np.ndarray, symbols: np.ndarray) -> np.ndarray:
    return np.asarray(cusum_paths(table, symbols).max(axis=0))


def test_a_target_too_rare_to_count_is_reached_by_the_slope_of_all_alarms() -> None:
    run, _ = rate_null_run(1000, 10)
    rng = np.random.default_rng(4)
    kept = [run(rng, 5_000) for _ in range(8)]
    shift = np.zeros(kept[0][0].shape[0], dtype=np.int64)
    runs = renewal.RenewalRuns(
        kept, shift, [np.maximum.accumulate(_paths_top(t, s)) for t, s in kept]
    )
    target = 1e-7  # 40,000 observations simulated: far too few to count alarms at this rate
    start = 8.0
    assert runs.rate(start)[1] < renewal.MIN_RENEWALS
    probe = 2.0
    found = renewal.search(runs, start, target, probe)
    # The last two thresholds a nat apart with countable alarms give the slope of log(rate).
    measured = []
    h = probe
    while runs.rate(h)[1] >= renewal.MIN_RENEWALS:
        measured.append((h, runs.rate(h)[0]))
        h = renewal.round_up(h + 1.0)
    (h0, r0), (h1, r1) = measured[-2], measured[-1]
    slope = np.log(r0 / r1) / (h1 - h0)
    assert (h0, h1) == (4.0, 5.0)  # 32 and 15 alarms; 7 at 6 nats is too few to count
    assert found == renewal.round_up(h1 + np.log(r1 / target) / slope) == 15.88
    assert found > start
    # Without a probe nothing can be measured: the starting threshold stands.
    assert renewal.search(runs, start, target, None) == start
