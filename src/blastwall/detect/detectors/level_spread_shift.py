"""LevelSpreadShift: a numeric stream (length, latency, confidence) moves in level or spread."""

from __future__ import annotations

import functools
import hashlib
import math
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from blastwall.detect import calibration
from blastwall.detect._bank import FloatArray, IntArray, NullRun, to_units
from blastwall.detect.detectors._alternatives import gaussian_alternatives
from blastwall.detect.detectors._base import (
    DEFAULT_FALSE_ALARM_RATE,
    DEFAULT_REFERENCE,
    ReferenceDetector,
    bad_value,
)

# At least this share of distinct reference values: treat the law as continuous, where ranks
# make the false-alarm rate the same for every law (calibrated once per reference size).
_CONTINUOUS = 0.99


class LevelSpreadShift(ReferenceDetector):
    """Watches the level and the spread of a numeric stream against its reference window.

    Each value is replaced by its normal score: its mid-rank among the reference values,
    mapped through the inverse normal CDF and standardised.  Under no change the scores are
    N(0, 1)-like whatever the law (lognormal latencies, integer token counts, heavy tails), a
    log transform comes for free, and an outlier can move a score by at most ~4.  A bank of
    Gaussian CUSUMs on the scores watches shifts of the level both ways and of the spread up
    and down, each over a geometric grid in KL divergence, with one calibrated threshold.

    Parameters
    ----------
    reference
        Observations that form the baseline before monitoring starts.
    false_alarm_rate
        Target false alarms per observation when nothing changes.

    Examples
    --------
    Response lengths shrink by 15% from index 3,000:

    >>> import numpy as np
    >>> from blastwall.detect.detectors import LevelSpreadShift
    >>> rng = np.random.default_rng(3)
    >>> lengths = np.concatenate(
    ...     [rng.lognormal(6.0, 0.6, size=3000), rng.lognormal(6.0 - 0.1625, 0.6, size=1000)]
    ... )
    >>> detector = LevelSpreadShift(reference=2000, false_alarm_rate=1e-4)
    >>> for i, x in enumerate(lengths):
    ...     detector.update(x)
    ...     if detector.drift_detected:
    ...         print(f"alarm at {i}")
    ...         break
    alarm at 3112
    """

    def __init__(
        self,
        reference: int = DEFAULT_REFERENCE,
        false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
    ) -> None:
        super().__init__(reference, false_alarm_rate)

    @property
    def baseline(self) -> dict[str, float] | None:
        """Median and quartiles of the reference (None while learning)."""
        if self._sorted is None:
            return None
        q1, median, q3 = np.quantile(self._sorted, [0.25, 0.5, 0.75])
        return {"q1": float(q1), "median": float(median), "q3": float(q3)}

    def _clear(self) -> None:
        super()._clear()
        self._sorted: FloatArray | None = None

    def _validate(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        flat = np.ravel(values)
        if flat.dtype.kind not in "iubf":
            msg = f"values must be numbers, got {flat.dtype} values"
            raise ValueError(msg)
        flat = flat.astype(np.float64)
        finite = np.isfinite(flat)
        if not finite.all():
            pos, val = bad_value(flat, ~finite)
            msg = f"value at position {pos} is {val!r}: drop NaN and infinite values first"
            raise ValueError(msg)
        return flat

    def _fit(self, reference: npt.NDArray[Any]) -> tuple[IntArray, calibration.Thresholds]:
        ordered = np.sort(reference)
        self._sorted = ordered
        size = int(ordered.shape[0])
        if np.unique(ordered).shape[0] >= _CONTINUOUS * size:
            key = f"levelspread|continuous|n={size}|alternatives={_ALTERNATIVES}"
            run = _uniform_null_run(size)
            runs = 128  # computed once per reference size, then served from the cache
        else:
            digest = hashlib.sha256(ordered.tobytes()).hexdigest()[:32]
            key = f"levelspread|bootstrap|n={size}|ref={digest}|alternatives={_ALTERNATIVES}"
            run = _bootstrap_null_run(ordered)
            runs = 64
        found = calibration.thresholds(key, run, self.false_alarm_rate, runs=runs)
        return _table(ordered), found

    def _baseline_state(self) -> list[float]:
        assert self._sorted is not None
        return [float(v) for v in self._sorted]

    def _restore_baseline(self, saved: list[float]) -> IntArray:
        ordered = self._validate(np.sort(np.asarray(saved, dtype=np.float64)))
        if ordered.shape[0] != self.reference:
            msg = f"saved baseline has {ordered.shape[0]} values, expected {self.reference}"
            raise ValueError(msg)
        self._sorted = ordered
        return _table(ordered)

    def _symbols(self, values: npt.NDArray[Any]) -> IntArray:
        assert self._sorted is not None
        return mid_rank_symbols(self._sorted, values)

    def _describe(self, row: int) -> str:
        mean, sd = gaussian_alternatives()[row]
        parts = []
        if mean:
            parts.append(f"level {'up' if mean > 0 else 'down'} {abs(mean):.2f} sd")
        if sd != 1.0:
            parts.append(f"spread x{sd:.2f}")
        return " and ".join(parts) + " (normal scores against the reference)"


_ALTERNATIVES = hashlib.sha256(repr(gaussian_alternatives()).encode()).hexdigest()[:16]


def mid_rank_symbols(ordered: FloatArray, values: FloatArray) -> IntArray:
    """2 x mid-rank of each value among the sorted reference: 0 .. 2 * len(ordered)."""
    left = np.searchsorted(ordered, values, side="left")
    size = ordered.shape[0]
    at = np.minimum(left, size - 1)
    tied = (left < size) & (ordered[at] == values)
    symbols = 2 * left
    if tied.any():
        symbols[tied] += np.searchsorted(ordered, values[tied], side="right") - left[tied]
    return symbols.astype(np.int64)


@functools.lru_cache(maxsize=8)
def _normal_scores(size: int) -> FloatArray:
    """Inverse normal CDF at each possible mid-rank (symbol s = 2 x mid-rank) of n values."""
    inverse = NormalDist().inv_cdf
    return np.array([inverse((s / 2.0 + 0.5) / (size + 1)) for s in range(2 * size + 1)])


def _table(ordered: FloatArray) -> IntArray:
    """Gaussian ratio of every alternative at every symbol, on scores standardised so that
    the reference's own values have mean 0 and variance 1 (ties shrink the spread)."""
    scores = _normal_scores(int(ordered.shape[0]))
    own = scores[mid_rank_symbols(ordered, ordered)]
    z = (scores - own.mean()) / max(float(own.std()), 1e-9)
    rows = [
        -math.log(sd) - (z - mean) ** 2 / (2.0 * sd * sd) + z * z / 2.0
        for mean, sd in gaussian_alternatives()
    ]
    return to_units(np.vstack(rows))


def _uniform_null_run(size: int) -> NullRun:
    """Continuous laws: ranks of uniforms against a fresh uniform reference (exact for any law)."""
    ideal = _table(np.arange(size, dtype=np.float64))

    def run(rng: np.random.Generator, length: int) -> tuple[IntArray, IntArray]:
        reference = np.sort(rng.random(size))
        return ideal, 2 * np.searchsorted(reference, rng.random(length)).astype(np.int64)

    return run


def _bootstrap_null_run(ordered: FloatArray) -> NullRun:
    """Laws with ties: resample the reference for a fresh reference and for the stream."""
    size = int(ordered.shape[0])

    def run(rng: np.random.Generator, length: int) -> tuple[IntArray, IntArray]:
        reference = np.sort(rng.choice(ordered, size))
        return _table(reference), mid_rank_symbols(reference, rng.choice(ordered, length))

    return run
