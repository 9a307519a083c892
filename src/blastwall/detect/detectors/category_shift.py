"""CategoryShift: the share of any one output category moves, up or down."""

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


class CategoryShift(ReferenceDetector):
    """Watches every category's share of a categorical stream (class ids 0..categories-1).

    For each category it runs a bank of CUSUMs on the indicator "this observation is in the
    category", one per alternative share above and below the baseline (a geometric grid in
    KL divergence); the largest of all of them is compared with one threshold calibrated for
    the whole bank.  It is not told which category will move, nor by how much.

    Parameters
    ----------
    categories
        Number of categories; observations are integer ids in ``range(categories)``.
    reference
        Observations that form the baseline before monitoring starts.
    false_alarm_rate
        Target false alarms per observation when nothing changes.

    Examples
    --------
    The share of class 1 rises from 2% to 9% at index 3,000:

    >>> import numpy as np
    >>> from blastwall.detect.detectors import CategoryShift
    >>> rng = np.random.default_rng(42)
    >>> before = rng.choice(5, size=3000, p=[0.80, 0.02, 0.10, 0.05, 0.03])
    >>> after = rng.choice(5, size=1000, p=[0.728, 0.09, 0.091, 0.0455, 0.0455])
    >>> detector = CategoryShift(categories=5, reference=2000, false_alarm_rate=1e-4)
    >>> for i, x in enumerate(np.concatenate([before, after])):
    ...     detector.update(x)
    ...     if detector.drift_detected:
    ...         print(f"alarm at {i}")
    ...         break
    alarm at 3044
    """

    def __init__(
        self,
        categories: int,
        reference: int = DEFAULT_REFERENCE,
        false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
    ) -> None:
        if isinstance(categories, bool) or not isinstance(categories, int) or categories < 2:
            msg = f"categories must be an integer of at least 2, got {categories!r}"
            raise ValueError(msg)
        self.categories = categories
        super().__init__(reference, false_alarm_rate)

    @property
    def baseline(self) -> list[float] | None:
        """Share of each category learned from the reference (None while learning)."""
        return None if self._shares is None else [float(p) for p in self._shares]

    def _clear(self) -> None:
        super()._clear()
        self._shares: npt.NDArray[np.float64] | None = None
        self._plan: _indicator.Plan = []
        self._counts: list[int] = []

    def _monitored(self) -> list[int]:
        # With two categories one share moving is the other moving: watch one of them.
        return [1] if self.categories == 2 else list(range(self.categories))

    def _validate(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        flat = np.ravel(values)
        if flat.dtype.kind not in "iub":
            if flat.dtype.kind != "f":
                msg = f"category ids must be integers, got {flat.dtype} values"
                raise ValueError(msg)
            whole = np.isfinite(flat) & (flat == np.floor(flat))
            if not whole.all():
                pos, val = bad_value(flat, ~whole)
                msg = f"category id at position {pos} is {val!r}: ids are whole numbers"
                raise ValueError(msg)
        ids = flat.astype(np.int64)
        outside = (ids < 0) | (ids >= self.categories)
        if outside.any():
            pos, val = bad_value(ids, outside)
            msg = (
                f"category id at position {pos} is {val}, outside 0..{self.categories - 1}; "
                "declare more categories or drop unknown ids before feeding them"
            )
            raise ValueError(msg)
        return ids

    def _fit(self, reference: npt.NDArray[Any]) -> tuple[IntArray, calibration.Thresholds]:
        counts = np.bincount(reference, minlength=self.categories).astype(np.int64)
        table = self._restore_baseline(counts.tolist())
        alternatives = self._plan
        key = f"category|n={counts.sum()}|counts={counts.tolist()}|watch={self._monitored()}"
        found = calibration.thresholds(
            key, _indicator.null_run(counts, alternatives), self.false_alarm_rate
        )
        return table, found

    def _baseline_state(self) -> list[int]:
        return self._counts

    def _restore_baseline(self, saved: list[int]) -> IntArray:
        counts = np.asarray(saved, dtype=np.int64)
        if counts.shape != (self.categories,):
            msg = f"saved baseline has {counts.shape[0]} categories, expected {self.categories}"
            raise ValueError(msg)
        self._counts = counts.tolist()
        self._shares = _indicator.shares(counts)
        self._plan = _indicator.plan(self._shares, self._monitored())
        return _indicator.table(self._shares, self._plan)

    def _params(self) -> dict[str, Any]:
        return super()._params() | {"categories": self.categories}

    def _symbols(self, values: npt.NDArray[Any]) -> IntArray:
        return values

    def _describe(self, row: int) -> str:
        assert self._shares is not None
        c = self._plan[row][0]
        return _indicator.describe(self._shares, self._plan[row], f"share of category {c}")
