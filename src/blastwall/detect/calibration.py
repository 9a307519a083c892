"""Choosing a detector's thresholds so that its false-alarm rate per observation holds.

A detector learns its baseline from a reference window, so its false alarms come from two
sources: chance in the monitored stream, and the error in the baseline it learned.  The
thresholds are set by simulating exactly that: each simulated run draws a fresh reference
window of the same size from the fitted no-change law, fits the detector's table to it, then
runs the bank on a fresh no-change stream from the fitted law.

Three steps; the first two read off first-passage times of running maxima (no restarts
needed: the first passage over every candidate threshold comes from one path):

1. Each alternative alone: the threshold at which its own CUSUM would alarm at the target
   rate.  Alternatives differ a lot (a CUSUM tuned to a large jump in a 1% rate makes many
   short excursions and needs ~4 nats more than one tuned to a small drift), so each row's
   excess over the smallest becomes its offset: every alternative gets the same share of
   the false-alarm budget instead of the noisiest ones taking all of it.
2. The bank: one common threshold on max_g (S_g - offset_g), the smallest on the grid whose
   simulated first-passage rate is at most `SAFETY` times the target.
3. Every alarm counted (`renewal`): the detector restarts after each alarm and keeps its
   reference, so a run whose reference happened to sit off the true law alarms again and
   again, while a first passage counts it once.  The bank is re-run with restarts on the
   same simulated runs and the threshold moved (up or down) until the rate of all alarms is
   at most `RENEWAL_SAFETY` times the target; rows taking far more than their share of
   those alarms get higher offsets instead of raising everyone's threshold (measured before
   and after in docs/detection.md).

The rate estimate for a threshold is (runs that crossed it) / (observations until the
crossing, or the run's end).  When the target is too rare to observe within the simulation
budget, log(rate) is extrapolated linearly in the threshold, which is how the false-alarm
rate of a CUSUM decays (Wald: rate <= exp(-h) per excursion for a true likelihood ratio).

Simulation seeds derive from the cache key, so the same reference always gives the same
thresholds.  Results are cached in memory and on disk (``BLASTWALL_CACHE_DIR``, default
``~/.cache/blastwall``), so a restart or a second replay of the same baseline is instant.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from blastwall.detect import renewal
from blastwall.detect._bank import IntArray, NullRun, cusum_paths, to_units

# Simulated rate must be at most this share of the target.  Measured on no-change streams of
# ten laws (ties, heavy tails, rare categories), the realised rate per monitored observation
# came out 0.8-1.2x the simulated one (the first-passage estimate slightly favours references
# that alarm rarely), so aim a quarter below the target.
SAFETY = 0.75
VERSION = 10  # bump when the detectors' tables or this procedure change: invalidates caches
_STEP = renewal.STEP
_GRID = np.arange(0.0, 40.0, _STEP)
_MIN_ALARMS = 25  # fewer first passages than this at the target: extrapolate instead
_MAX_OBSERVATIONS = 4_000_000  # simulated observations per 64 runs (~1-2 seconds)
_RUNS = 64
_ROW_RATE_FACTOR = 10.0  # step 1 reads each row's threshold at 10x the target rate
# The rate of all alarms has no estimator bias, so its margin only covers simulation noise
# (~300 alarms at 1e-4).
RENEWAL_SAFETY = 0.85
_MAX_REBALANCES = 3
# Beyond this a CUSUM needs hundreds of observations for even a blatant change: the reference
# is too small or too repetitive for the rate (a clear error, not a useless monitor).
_MAX_THRESHOLD = 100.0
_SPREAD = 4  # steps 2 and 3: this many times more runs, each this many times shorter
_MIN_RUN = 2_000


@dataclass(frozen=True)
class Thresholds:
    """Per-alternative offsets and the bank's common threshold, in nats."""

    offsets: tuple[float, ...]
    threshold: float

    def units(self) -> tuple[npt.NDArray[np.int64], int]:
        """The same numbers in the bank's integer units."""
        return to_units(np.asarray(self.offsets)), int(to_units(self.threshold))


_memory: dict[str, Thresholds] = {}


def cache_dir() -> Path:
    """Where calibrated thresholds are kept between processes."""
    configured = os.environ.get("BLASTWALL_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "blastwall"


def thresholds(
    key: str, null_run: NullRun, false_alarm_rate: float, *, runs: int = _RUNS
) -> Thresholds:
    """Offsets and threshold that keep the bank's false-alarm rate at `false_alarm_rate`.

    `key` must identify everything the simulation depends on (detector kind, reference size
    and summary); `null_run(rng, length)` returns one simulated run: the integer ratio table
    fitted to a fresh reference window and the symbols of a no-change stream.  More `runs`
    give a more precise threshold; worth it when the result serves every reference of a size.
    """
    full_key = f"v{VERSION}|{key}|rate={false_alarm_rate!r}|runs={runs}"
    if full_key in _memory:
        return _memory[full_key]
    digest = hashlib.sha256(full_key.encode()).hexdigest()
    path = cache_dir() / f"thresholds-{digest[:32]}.json"
    found = _read(path, full_key)
    if found is None:
        found = simulate(null_run, false_alarm_rate, seed=int(digest[:16], 16), runs=runs)
        _write(path, full_key, found)
    _memory[full_key] = found
    return found


def simulate(
    null_run: NullRun, false_alarm_rate: float, *, seed: int, runs: int = _RUNS
) -> Thresholds:
    """Calibrate by simulation (no cache): step 1 per row, steps 2 and 3 for the bank."""
    if not 0.0 < false_alarm_rate < 1.0:
        msg = f"false_alarm_rate must be between 0 and 1 (exclusive), got {false_alarm_rate}"
        raise ValueError(msg)
    target = SAFETY * false_alarm_rate
    # Runs long enough to see the target rate about twice each, within the budget.
    length = int(min(max(2.0 / target, 2_000), _MAX_OBSERVATIONS / _RUNS))  # per run
    if runs < 8:
        msg = f"runs must be at least 8, got {runs}"
        raise ValueError(msg)
    offsets = _row_offsets(null_run, target, seed=seed, runs=runs)
    # The bank's rate varies mostly from one simulated reference to the next (a reference
    # far off the law alarms again and again), so steps 2 and 3 see more references, each
    # followed by a shorter stream: the same observations, a steadier threshold.
    spread = max(1, min(_SPREAD, length // _MIN_RUN))
    return _bank_threshold(
        null_run, offsets, false_alarm_rate, length // spread, seed=seed, runs=runs * spread
    )


def _row_offsets(
    null_run: NullRun, target: float, *, seed: int, runs: int
) -> npt.NDArray[np.float64]:
    """Step 1: each row's own threshold, less the smallest (nats).

    Only the rows' thresholds relative to each other matter here, so they are read at a
    rate _ROW_RATE_FACTOR times higher, where short runs see plenty of alarms (the tails
    are parallel: log(rate) falls by about one per nat for every row).
    """
    grid = to_units(_GRID)
    row_target = _ROW_RATE_FACTOR * target
    row_length = int(max(2.0 / row_target, 2_000))
    rng = np.random.default_rng([seed, 1])
    row_alarms: npt.NDArray[np.int64] | None = None
    row_exposure: npt.NDArray[np.int64] | None = None
    for _ in range(runs):
        table, symbols = null_run(rng, row_length)
        peaks = np.maximum.accumulate(cusum_paths(table, symbols), axis=1)
        first = np.stack([np.searchsorted(p, grid, side="left") for p in peaks])
        if row_alarms is None or row_exposure is None:
            row_alarms = np.zeros(first.shape, dtype=np.int64)
            row_exposure = np.zeros(first.shape, dtype=np.int64)
        row_alarms += first < row_length
        row_exposure += np.minimum(first + 1, row_length)
    assert row_alarms is not None
    assert row_exposure is not None
    own = np.array(
        [_pick(a / e, a, row_target, runs) for a, e in zip(row_alarms, row_exposure, strict=True)]
    )
    return np.asarray(own - own.min(), dtype=np.float64)


def _bank_threshold(
    null_run: NullRun,
    offsets: npt.NDArray[np.float64],
    false_alarm_rate: float,
    length: int,
    *,
    seed: int,
    runs: int,
) -> Thresholds:
    """Steps 2 and 3: the common threshold from first passages, then the renewal check."""
    grid = to_units(_GRID)
    rng = np.random.default_rng([seed, 2])
    alarms = np.zeros(grid.shape[0], dtype=np.int64)
    exposure = np.zeros(grid.shape[0], dtype=np.int64)
    kept: list[tuple[IntArray, IntArray]] = []
    tops: list[IntArray] = []
    shift = to_units(offsets)
    for _ in range(runs):
        table, symbols = null_run(rng, length)
        top = np.maximum.accumulate((cusum_paths(table, symbols) - shift[:, None]).max(axis=0))
        first = np.searchsorted(top, grid, side="left")
        alarms += first < length
        exposure += np.minimum(first + 1, length)
        kept.append((table, symbols))
        tops.append(top)
    first_passage = alarms / exposure
    common = _pick(first_passage, alarms, SAFETY * false_alarm_rate, runs)

    plentiful = np.flatnonzero(alarms >= _MIN_ALARMS)
    probe = float(_GRID[plentiful[-1]]) if plentiful.size else None
    runs_kept = renewal.RenewalRuns(kept, shift, tops)
    target = RENEWAL_SAFETY * false_alarm_rate
    common = renewal.search(runs_kept, common, target, probe)
    for _ in range(_MAX_REBALANCES):
        raised = renewal.rebalance(runs_kept, common)
        if raised is None:
            break
        offsets = offsets + raised
        runs_kept.set_shift(to_units(offsets))
        common = renewal.search(runs_kept, common, target, probe)
    if common > _MAX_THRESHOLD:
        raise _uncalibratable(false_alarm_rate)
    # Offsets start at zero (the statistic is 0 right after a restart); same limits.
    least = float(offsets.min())
    return Thresholds(tuple(float(o) - least for o in offsets), common + least)


def _pick(
    rate: npt.NDArray[np.float64], alarms: npt.NDArray[np.int64], target: float, runs: int
) -> float:
    """Smallest grid threshold with rate <= target, extrapolating where alarms get scarce."""
    below = np.flatnonzero(rate <= target)
    if below.size and alarms[below[0]] >= _MIN_ALARMS:
        return float(_GRID[below[0]])
    # log(rate) is close to linear in the threshold in its tail: fit the observed tail.
    tail = np.flatnonzero((alarms >= _MIN_ALARMS) & (alarms <= 0.8 * runs))
    if tail.size < 5:
        tail = np.flatnonzero((alarms >= 3) & (alarms <= 0.8 * runs))
    if tail.size < 2:
        # Too few crossings to fit: just above the highest threshold that was crossed.
        if not alarms.any():
            return 0.0
        last = int(np.flatnonzero(alarms > 0)[-1])
        if last + 1 >= _GRID.shape[0]:
            raise _uncalibratable(target)
        return float(_GRID[last + 1])
    slope, intercept = np.polyfit(_GRID[tail], np.log(rate[tail]), 1)
    if slope >= 0:
        return float(_GRID[tail[-1]])
    return float(math.ceil((math.log(target) - float(intercept)) / float(slope) / _STEP) * _STEP)


def _uncalibratable(rate: float) -> ValueError:
    return ValueError(
        "cannot calibrate: even the highest threshold tried alarms on the simulated "
        "no-change stream, so the reference window is too small or too repetitive for "
        f"a false-alarm rate of {rate:g}; use a longer reference window"
    )


def _read(path: Path, key: str) -> Thresholds | None:
    try:
        data = json.loads(path.read_text())
        if data["key"] != key:
            return None
        return Thresholds(tuple(float(o) for o in data["offsets"]), float(data["threshold"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, key: str, found: Thresholds) -> None:
    # Best effort: a read-only or full disk only costs a re-simulation next time.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump({"key": key, "offsets": found.offsets, "threshold": found.threshold}, handle)
        os.replace(tmp, path)
    except OSError:
        return
