"""A bank of CUSUMs on integer log-likelihood ratios, stepped one value or a whole array at a time.

Every detector maps an observation to a *symbol* (a category id, a 0/1 flag, a rank in the
reference window) and looks its log-likelihood ratio up in a table with one row per
alternative.  The ratios are rounded to multiples of 2**-32 nats and summed as int64, so the
per-value path and the array path add exactly the same integers and alarm at exactly the same
index (floating-point sums would differ in the last bit and, rarely, on which side of the
threshold they land).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
# One simulated calibration run: (rng, length) -> (ratio table fitted to a fresh reference
# window, symbols of a no-change stream of that length).
NullRun = Callable[[np.random.Generator, int], tuple[IntArray, IntArray]]

# 2**32 units per nat: a CUSUM never holds more than a few dozen nats and a block sums at most
# 2**16 ratios of at most ~50 nats, far inside int64.
UNITS_PER_NAT = float(1 << 32)
_MIN_BLOCK = 256
_MAX_BLOCK = 1 << 16


def to_units(nats: FloatArray | float) -> IntArray:
    """Round log-likelihood ratios (nats) to the integer units the bank sums."""
    return np.rint(np.asarray(nats, dtype=np.float64) * UNITS_PER_NAT).astype(np.int64)


def to_nats(units: int | np.integer[npt.NBitBase]) -> float:
    """Convert an integer statistic back to nats for display."""
    return float(units) / UNITS_PER_NAT


class CusumBank:
    """Page's CUSUM for each row of `table`; alarms when any row g reaches its threshold.

    Row g's threshold is `threshold + offsets[g]` (units): the offsets give every alternative
    the same share of the false-alarm budget (see `calibration`), and `threshold` is the one
    number calibrated for the whole bank.  After an alarm every CUSUM restarts from zero, so
    alarms form a renewal process and the false-alarm rate per observation is
    1 / (mean run length under no change).
    """

    def __init__(self, table: IntArray, offsets: IntArray, threshold: int) -> None:
        self.table = np.ascontiguousarray(table, dtype=np.int64)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.threshold = int(threshold)
        self._limits = self.offsets + self.threshold
        self._by_symbol = np.ascontiguousarray(self.table.T)
        self._stats = np.zeros(self.table.shape[0], dtype=np.int64)
        self._last_top = 0
        # For the estimated change time: symbols fed so far, and for each row the position of
        # the last symbol after which its CUSUM was zero (-1: zero before the first symbol).
        self._fed = 0
        self._zero = np.full(self.table.shape[0], -1, dtype=np.int64)
        self._change_start: int | None = None

    @property
    def statistic(self) -> int:
        """max_g (S_g - offsets[g]) after the last value (units); alarms at `threshold`."""
        return int((self._stats - self.offsets).max()) if self._stats.size else 0

    @property
    def leader(self) -> int:
        """Row closest to (or past) its threshold at the last alarm or step."""
        return self._last_top

    @property
    def change_start(self) -> int | None:
        """At the last alarm, the position of the first symbol after the alarming CUSUM was
        last zero: the CUSUM's estimate of where the change began (None before any alarm)."""
        return self._change_start

    def save(self) -> dict[str, Any]:
        """The bank's running state as JSON-ready values (the table is rebuilt, not saved)."""
        return {
            "stats": self._stats.tolist(),
            "leader": self._last_top,
            "fed": self._fed,
            "zero": self._zero.tolist(),
            "change_start": self._change_start,
        }

    def load(self, saved: dict[str, Any]) -> None:
        """Put back state from `save` (after a restart of the process)."""
        stats = np.asarray(saved["stats"], dtype=np.int64)
        zero = np.asarray(saved["zero"], dtype=np.int64)
        if stats.shape != self._stats.shape or zero.shape != self._zero.shape:
            msg = f"expected {self._stats.shape[0]} saved statistics, got {stats.shape[0]}"
            raise ValueError(msg)
        self._stats[:] = stats
        self._zero[:] = zero
        self._last_top = int(saved["leader"])
        self._fed = int(saved["fed"])
        start = saved["change_start"]
        self._change_start = None if start is None else int(start)

    def step(self, symbol: int) -> bool:
        """Feed one symbol; True when the bank alarms on it (and restarts)."""
        position = self._fed
        self._fed += 1
        stats = self._stats
        stats += self._by_symbol[symbol]
        np.maximum(stats, 0, out=stats)
        self._zero[stats == 0] = position
        over = stats - self._limits
        top = int(over.argmax())
        self._last_top = top
        if over[top] >= 0:
            self._change_start = int(self._zero[top]) + 1
            stats[:] = 0
            self._zero[:] = position
            return True
        return False

    def run(self, symbols: IntArray) -> list[int]:
        """Feed an array of symbols; return the positions of the alarms, restarting after each.

        Within a block each CUSUM is C_t - min(0, min_{k<=t} C_k) with C the running sum of
        its ratios started from the current statistic, which is exactly the recursion
        S_t = max(0, S_{t-1} + r_t).  Blocks start small after an alarm (a change makes
        alarms frequent) and double while the stream is quiet.
        """
        alarms: list[int] = []
        n = int(symbols.shape[0])
        start = 0
        block = _MIN_BLOCK
        limits = self._limits
        rows = self.table
        finals = np.empty_like(self._stats)
        zeros = np.empty_like(self._zero)
        while start < n:
            seg = symbols[start : start + block]
            length = int(seg.shape[0])
            base = self._fed + start
            first = length
            first_row = -1
            first_path = seg
            first_excess = -1
            for g in range(rows.shape[0]):
                part = seg if first == length else seg[: first + 1]
                csum = np.take(rows[g], part)
                csum[0] += self._stats[g]
                np.cumsum(csum, out=csum)
                low = np.minimum.accumulate(csum)
                np.minimum(low, 0, out=low)
                csum -= low
                limit = limits[g]
                # Most blocks cross nowhere: one max() settles that before searching.
                if csum.max() >= limit:
                    hit = int(np.argmax(csum >= limit))
                    excess = int(csum[hit]) - int(limit)
                    # Same row as `step` picks: earliest crossing, then largest excess.
                    if hit < first or (hit == first and excess > first_excess):
                        first, first_row, first_path, first_excess = hit, g, csum, excess
                if first == length:
                    finals[g] = csum[-1]
                    zeros[g] = _last_zero(csum, base, self._zero[g])
            if first < length:
                alarms.append(start + first)
                before = first_path[:first]
                self._change_start = _last_zero(before, base, self._zero[first_row]) + 1
                self._stats[:] = 0
                self._zero[:] = base + first
                self._last_top = first_row
                start += first + 1
                block = _MIN_BLOCK
            else:
                self._stats[:] = finals
                self._zero[:] = zeros
                self._last_top = int((finals - limits).argmax()) if finals.size else 0
                start += length
                block = min(block * 2, _MAX_BLOCK)
        self._fed += n
        return alarms


def _last_zero(path: IntArray, base: int, earlier: int | np.integer[npt.NBitBase]) -> int:
    """Position of the last zero of a CUSUM path that starts at `base`, else `earlier`."""
    length = path.shape[0]
    if length == 0:
        return int(earlier)
    is_zero = np.equal(path, 0, out=_ZERO_FLAGS[:length])
    back = int(np.argmax(is_zero[::-1]))
    return base + length - 1 - back if is_zero[length - 1 - back] else int(earlier)


_ZERO_FLAGS = np.empty(_MAX_BLOCK, dtype=bool)  # scratch for _last_zero (single-threaded use)


def _block_paths(table: IntArray, seg: IntArray, stats: IntArray) -> IntArray:
    """Every row's CUSUM over one block (rows x block), carried on from `stats`.

    The recursion S_t = max(0, S_{t-1} + r_t) as C_t - min(0, min_{k<=t} C_k), with C the
    running sum of the ratios started from each row's statistic.
    """
    paths = np.take(table, seg, axis=1)
    paths[:, 0] += stats
    np.cumsum(paths, axis=1, out=paths)
    low = np.minimum.accumulate(paths, axis=1)
    np.minimum(low, 0, out=low)
    paths -= low
    return paths


def cusum_paths(table: IntArray, symbols: IntArray) -> IntArray:
    """Every row's CUSUM at every time (rows x time), from zero and without restarts.

    Calibration reads first-passage times for many thresholds off their running maxima.
    """
    n = int(symbols.shape[0])
    paths = np.empty((table.shape[0], n), dtype=np.int64)
    stats = np.zeros(table.shape[0], dtype=np.int64)
    for start in range(0, n, _MAX_BLOCK):
        block = _block_paths(table, symbols[start : start + _MAX_BLOCK], stats)
        paths[:, start : start + block.shape[1]] = block
        stats = block[:, -1]
    return paths


def count_alarms(
    table: IntArray, limits: IntArray, symbols: IntArray, max_alarms: int
) -> tuple[list[int], list[int], int]:
    """Alarms of a bank started from zero and restarted after each, for calibration.

    All rows are stepped together, and nothing the detector reports besides the alarm is
    tracked, so it is much cheaper than `run`.  Returns the alarm positions, the row behind
    each (the first over its limit, ties to the largest excess), and how many symbols were
    read: it stops after `max_alarms`.
    """
    n = int(symbols.shape[0])
    alarms: list[int] = []
    rows: list[int] = []
    stats = np.zeros(table.shape[0], dtype=np.int64)
    start = 0
    block = _MIN_BLOCK
    column = limits[:, None]
    while start < n and len(alarms) < max_alarms:
        paths = _block_paths(table, symbols[start : start + block], stats)
        crossed = (paths >= column).any(axis=0)
        if crossed.any():
            hit = int(crossed.argmax())
            alarms.append(start + hit)
            rows.append(int((paths[:, hit] - limits).argmax()))
            stats = np.zeros_like(stats)
            start += hit + 1
            block = _MIN_BLOCK
        else:
            stats = paths[:, -1]
            start += int(paths.shape[1])
            block = min(block * 2, _MAX_BLOCK)
    return alarms, rows, min(start, n)
