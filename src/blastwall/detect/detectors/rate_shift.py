"""RateShift: the rate of a 0/1 event (refusals, filter hits, holds) moves, up or down."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from blastwall.detect import calibration
from blastwall.detect._bank import IntArray
from blastwall.detect.detectors import _indicator
from blastwall.detect.detectors._base import (
    DEFAULT_FALSE_ALARM_RATE,
    DEFAULT_REFERENCE,
    ReferenceDetector,
    bad_value,
)


class RateShift(ReferenceDetector):
    """Watches the rate of a binary event against the rate in its reference window.

    A bank of Bernoulli CUSUMs, one per alternative rate above and below the baseline rate
    (a geometric grid in KL divergence, so it needs no guess of the change's size), with one
    threshold calibrated for the whole bank.

    Parameters
    ----------
    reference
        Observations that form the baseline before monitoring starts.
    false_alarm_rate
        Target false alarms per observation when nothing changes.

    Examples
    --------
    A refusal rate creeps from 5% to 15% at index 3,000:

    >>> import numpy as np
    >>> from blastwall.detect.detectors import RateShift
    >>> rng = np.random.default_rng(7)
    >>> stream = np.concatenate([rng.random(3000) < 0.05, rng.random(1000) < 0.15])
    >>> detector = RateShift(reference=2000, false_alarm_rate=1e-4)
    >>> for i, x in enumerate(stream):
    ...     detector.update(x)
    ...     if detector.drift_detected:
    ...         print(f"alarm at {i}")
    ...         break
    alarm at 3102
    """

    def __init__(
        self,
        reference: int = DEFAULT_REFERENCE,
        false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
    ) -> None:
        super().__init__(reference, false_alarm_rate)

    @property
    def baseline(self) -> float | None:
        """The event rate learned from the reference (None while learning)."""
        return self._rate

    def _clear(self) -> None:
        super()._clear()
        self._rate: float | None = None
        self._shares: npt.NDArray[np.float64] | None = None
        self._plan: _indicator.Plan = []
        self._counts: list[int] = []

    def _validate(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        flat = np.ravel(values)
        if flat.dtype.kind not in "iubf":
            msg = f"rate events must be 0/1 or booleans, got {flat.dtype} values"
            raise ValueError(msg)
        binary = (flat == 0) | (flat == 1)
        if not binary.all():
            pos, val = bad_value(flat, ~binary)
            msg = f"value at position {pos} is {val!r}: a rate event is 0 (no) or 1 (yes)"
            raise ValueError(msg)
        return flat.astype(np.int64)

    def _fit(self, reference: npt.NDArray[Any]) -> tuple[IntArray, calibration.Thresholds]:
        counts = np.bincount(reference, minlength=2).astype(np.int64)
        table = self._restore_baseline(counts.tolist())
        key = f"rate|n={counts.sum()}|events={counts[1]}"
        run = _indicator.null_run(counts, self._plan)
        # Ten rows calibrate in a fraction of a second: spend more runs on a steadier threshold.
        found = calibration.thresholds(key, run, self.false_alarm_rate, runs=128)
        return table, found

    def _baseline_state(self) -> list[int]:
        return self._counts

    def _restore_baseline(self, saved: list[int]) -> IntArray:
        counts = np.asarray(saved, dtype=np.int64)
        if counts.shape != (2,):
            msg = "saved baseline must be the counts of 0s and 1s"
            raise ValueError(msg)
        self._counts = counts.tolist()
        self._shares = _indicator.shares(counts)
        self._rate = float(self._shares[1])
        self._plan = _indicator.plan(self._shares, [1])
        return _indicator.table(self._shares, self._plan)

    def _symbols(self, values: npt.NDArray[Any]) -> IntArray:
        return values

    def _describe(self, row: int) -> str:
        assert self._shares is not None
        return _indicator.describe(self._shares, self._plan[row], "rate")
