"""Counting every false alarm of a restarted bank, for calibration's last step.

A detector restarts after every alarm and keeps its reference, so a reference that happened
to sit off the true law alarms again and again, while a first-passage time counts it once.
`calibration` picks a threshold from first passages, then hands the same simulated runs to
`search`, which re-runs the bank with restarts and moves the threshold until the rate of
*all* alarms holds.  `rebalance` then raises the offsets of the alternatives that take far
more than their share of those alarms (a drop in a 1% rate, when the reference
over-estimated it), so they do not raise the threshold of every other alternative.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from blastwall.detect._bank import IntArray, count_alarms, cusum_paths, to_units

STEP = 0.02  # nats: thresholds are multiples of this (calibration's grid)
MIN_RENEWALS = 10  # alarms needed to trust a measured rate
MAX_STEPS = 8
BRACKET = 0.1  # nats: the search stops once the target is bracketed this tightly
RUN_ALARMS = 10  # alarms counted per simulated run before scaling to its length
MIN_REBALANCE_ALARMS = 20  # alarms per alternative needed to judge their shares
REBALANCE_EXCESS = 1.5  # an alternative taking over 1.5x its share of alarms is raised


class RenewalRuns:
    """Simulated no-change runs, kept to count every alarm of the restarted bank."""

    def __init__(
        self, runs: list[tuple[IntArray, IntArray]], shift: IntArray, tops: list[IntArray]
    ) -> None:
        self.runs = runs  # (ratio table, symbols) per run
        self.shift = shift  # row offsets (units)
        self.tops = tops  # per run: running maximum of max_g (S_g - shift_g), no restarts
        self._known: dict[float, tuple[float, int]] = {}

    def set_shift(self, shift: IntArray) -> None:
        """Use these row offsets (units); recompute each run's path without restarts."""
        self.shift = shift
        self.tops = [
            np.maximum.accumulate((cusum_paths(table, symbols) - shift[:, None]).max(axis=0))
            for table, symbols in self.runs
        ]
        self._known = {}

    def rate(self, threshold: float) -> tuple[float, int]:
        """Alarms per observation of the bank restarted after each alarm, and their number.

        Up to its first alarm a restarted bank is the run without restarts, so the first
        alarm is the first passage of the running maximum; the bank is re-run only after
        it.  A run that alarms again and again is a renewal process: its first `RUN_ALARMS`
        alarms are counted and scaled up to its length.
        """
        if threshold in self._known:
            return self._known[threshold]
        limit = int(to_units(threshold))
        total = 0
        observed = 0
        for (table, symbols), top in zip(self.runs, self.tops, strict=True):
            observed += int(symbols.shape[0])
            first = int(np.searchsorted(top, limit, side="left"))
            if first >= symbols.shape[0]:
                continue
            rest = symbols[first + 1 :]
            found, _, seen = count_alarms(table, self.shift + limit, rest, RUN_ALARMS)
            more = len(found)
            if seen < rest.shape[0]:
                more = round(more * rest.shape[0] / max(seen, 1))
            total += 1 + more
        self._known[threshold] = (total / max(observed, 1), total)
        return self._known[threshold]

    def alarm_rows(self, threshold: float) -> list[int]:
        """The row behind each alarm the restarted bank raises at `threshold`, up to
        `RUN_ALARMS + 1` per run (the first passage and the alarms `rate` counts after it)."""
        limit = int(to_units(threshold))
        rows: list[int] = []
        for (table, symbols), top in zip(self.runs, self.tops, strict=True):
            if int(np.searchsorted(top, limit, side="left")) < symbols.shape[0]:
                rows += count_alarms(table, self.shift + limit, symbols, RUN_ALARMS + 1)[1]
        return rows


def search(runs: RenewalRuns, start: float, target: float, probe: float | None) -> float:
    """The smallest threshold (to `BRACKET`) whose rate of all alarms is at most `target`.

    References far off the true law alarm at a rate that falls slowly with the threshold
    (they see a real, if small, change), so each step follows the slope of log(rate)
    measured so far (starting from one per nat, Wald's rate) until the target is bracketed,
    then bisects.  Where alarms are too rare to count at `start`, the rate of all alarms is
    measured from `probe` (a threshold where first passages were plentiful) up and
    extrapolated to the target (`_extrapolate`).
    """
    rate, count = runs.rate(start)
    if count >= MIN_RENEWALS:
        low, high = _bracket(runs, start, rate, target)
        return high if low is None else _bisect(runs, low, high, target)
    if probe is None:
        return start
    return max(start, _extrapolate(runs, probe, target))


def _extrapolate(runs: RenewalRuns, threshold: float, target: float) -> float:
    """Where the rate of all alarms reaches `target`, from the last two thresholds (1 nat
    apart, from `threshold` up) at which alarms are still plentiful enough to count.

    The slope is that of all alarms, not of first passages: references off the law keep
    alarming at high thresholds, so the rate falls more slowly than first passages say.
    """
    points: list[tuple[float, float]] = []
    h = threshold
    for _ in range(3 * MAX_STEPS):
        rate, count = runs.rate(h)
        if count < MIN_RENEWALS:
            break
        points.append((h, rate))
        if rate <= target:
            return h
        h = round_up(h + 1.0)
    if not points:
        return threshold
    if len(points) == 1:
        (h1, r1), slope = points[0], 1.0
    else:
        (h0, r0), (h1, r1) = points[-2], points[-1]
        slope = min(max(math.log(r0 / r1) / (h1 - h0), 0.05), 2.0) if r1 > 0 else 1.0
    return round_up(h1 + math.log(r1 / target) / slope)


def _bracket(runs: RenewalRuns, h: float, r: float, target: float) -> tuple[float | None, float]:
    """(a threshold that alarms too often or None, one that holds the target)."""
    low: float | None = None
    slope = 1.0  # nats of log(rate) per nat of threshold
    for _ in range(MAX_STEPS):
        if r <= target:
            if low is not None:
                return low, h
            step = -1.0 if r == 0.0 else math.log(r / target) / slope
        else:
            low = h
            step = math.log(r / target) / slope
        step = math.copysign(min(max(abs(step), STEP), 20.0), step)
        nxt = max(round_up(h + step), 0.0)
        if nxt == h:
            break
        r_next, _ = runs.rate(nxt)
        if r_next > 0.0 and r > 0.0 and r_next != r:
            slope = min(max(abs(math.log(r / r_next) / (nxt - h)), 0.05), 2.0)
        if r <= target and r_next > target:
            return nxt, h
        h, r = nxt, r_next
    return (low, h) if r <= target else (low, round_up(h + 1.0))


def _bisect(runs: RenewalRuns, low: float, high: float, target: float) -> float:
    for _ in range(MAX_STEPS):
        if high - low <= BRACKET:
            break
        mid = round_up(0.5 * (low + high))
        if mid >= high:
            break
        if runs.rate(mid)[0] <= target:
            high = mid
        else:
            low = mid
    return high


def rebalance(runs: RenewalRuns, threshold: float) -> npt.NDArray[np.float64] | None:
    """Extra offsets (nats) for rows that take far more than their share of the alarms.

    A row taking `REBALANCE_EXCESS` times its share or more is raised by the log of its
    excess; None when no row is, or when there are too few alarms to tell.
    """
    size = runs.shift.shape[0]
    if runs.rate(threshold)[1] < MIN_REBALANCE_ALARMS * size:
        return None
    rows = runs.alarm_rows(threshold)
    if len(rows) < MIN_REBALANCE_ALARMS * size:
        return None
    excess = np.bincount(np.asarray(rows, dtype=np.int64), minlength=size) / len(rows) * size
    raised = np.where(excess > REBALANCE_EXCESS, np.log(np.maximum(excess, 1.0)), 0.0)
    return raised if raised.any() else None


def round_up(threshold: float) -> float:
    """The next multiple of `STEP` at or above `threshold`."""
    return float(math.ceil(round(threshold / STEP, 6)) * STEP)
