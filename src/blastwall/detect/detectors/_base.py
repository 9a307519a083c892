"""What every Blastwall detector shares: a reference window, a calibrated CUSUM bank, restarts.

A detector is silent for its first `reference` observations, which become its baseline.  It
then fits one table of log-likelihood ratios (one row per alternative change it watches for)
and asks `calibration` for the threshold that keeps its false-alarm rate at
`false_alarm_rate` per observation.  After an alarm the CUSUMs restart from zero and the
baseline is kept: the alarm says the stream left the known-good baseline, and re-learning the
baseline from the changed stream would make a persistent failure look normal.  `reset()`
forgets the baseline too (for a new release).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from blastwall.detect._bank import CusumBank, IntArray, to_nats
from blastwall.detect.calibration import Thresholds

DEFAULT_REFERENCE = 10_000
DEFAULT_FALSE_ALARM_RATE = 1e-5


class ReferenceDetector(ABC):
    """Base class: River-shaped `update`/`drift_detected`/`reset`, plus `update_many`."""

    def __init__(
        self,
        reference: int = DEFAULT_REFERENCE,
        false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
    ) -> None:
        if isinstance(reference, bool) or not isinstance(reference, int) or reference < 10:
            msg = f"reference must be an integer of at least 10 observations, got {reference!r}"
            raise ValueError(msg)
        if not 0.0 < false_alarm_rate < 0.1:
            msg = (
                "false_alarm_rate is per observation and must be in (0, 0.1), "
                f"got {false_alarm_rate!r}; 1e-5 means one false alarm per 100,000"
            )
            raise ValueError(msg)
        self.reference = reference
        self.false_alarm_rate = false_alarm_rate
        self._clear()

    def _clear(self) -> None:
        self._buffer: list[npt.NDArray[Any]] = []
        self._buffered = 0
        self._bank: CusumBank | None = None
        self._alarm = False
        self._seen = 0

    # ---------------------------------------------------------------- public, read-only
    @property
    def drift_detected(self) -> bool:
        """True when the last observation fed raised an alarm."""
        return self._alarm

    @property
    def alarm(self) -> bool:
        """Alias of `drift_detected`."""
        return self._alarm

    @property
    def fitted(self) -> bool:
        """True once the reference window is complete and the detector is monitoring."""
        return self._bank is not None

    @property
    def baseline(self) -> object:
        """What the reference window taught the detector (None while learning)."""
        return None

    @property
    def leading_alternative(self) -> str | None:
        """The change the bank finds most likely: the one that alarmed, right after an alarm."""
        if self._bank is None:
            return None
        return self._describe(self._bank.leader)

    @property
    def change_index(self) -> int | None:
        """For the last alarm, the index (0-based, counted like `n_seen`) of the first
        observation of the change, as the alarming CUSUM estimates it: the observation after
        it was last at zero.  None before any alarm."""
        if self._bank is None or self._bank.change_start is None:
            return None
        return self.reference + self._bank.change_start

    @property
    def n_seen(self) -> int:
        """Observations fed since construction or the last `reset()`."""
        return self._seen

    @property
    def threshold(self) -> float | None:
        """The calibrated threshold in nats (None while learning the reference)."""
        return None if self._bank is None else to_nats(self._bank.threshold)

    @property
    def statistic(self) -> float:
        """The bank's largest CUSUM in nats (0 while learning and right after an alarm)."""
        return 0.0 if self._bank is None else to_nats(self._bank.statistic)

    # ------------------------------------------------------------------------- feeding
    def update(self, x: Any) -> None:
        """Feed one observation."""
        value = self._validate(np.asarray([x]))
        self._seen += 1
        if self._bank is None:
            self._alarm = False
            self._learn(value)
            return
        self._alarm = self._bank.step(int(self._symbols(value)[0]))

    def update_many(self, values: Any) -> list[int]:
        """Feed many observations; return the positions in `values` that raised an alarm.

        Exactly the same alarms and final state as calling `update` on each value in turn.
        """
        arr = self._validate(np.asarray(values))
        if arr.shape[0] == 0:
            return []
        self._seen += int(arr.shape[0])
        start = 0
        if self._bank is None:
            start = min(self.reference - self._buffered, int(arr.shape[0]))
            self._learn(arr[:start])
        alarms: list[int] = []
        if self._bank is not None and start < arr.shape[0]:
            alarms = [start + i for i in self._bank.run(self._symbols(arr[start:]))]
        self._alarm = bool(alarms) and alarms[-1] == arr.shape[0] - 1
        return alarms

    def reset(self) -> None:
        """Forget everything, the baseline included: the next observations form a new one."""
        self._clear()

    # ---------------------------------------------------------------- persistence
    def to_state(self) -> dict[str, Any]:
        """Everything needed to carry on after a restart, as JSON-ready values.

        The baseline is stored as its summary (category counts, or the sorted reference) and
        the calibrated thresholds as they are, so restoring never re-calibrates and never
        loses the CUSUMs' progress.
        """
        state: dict[str, Any] = {
            "detector": type(self).__name__,
            "params": self._params(),
            "seen": self._seen,
            "alarm": self._alarm,
            "learning": np.concatenate(self._buffer).tolist() if self._buffer else [],
        }
        if self._bank is not None:
            state["baseline"] = self._baseline_state()
            state["bank"] = {
                "offsets": self._bank.offsets.tolist(),
                "threshold": self._bank.threshold,
                **self._bank.save(),
            }
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Self:
        """Rebuild a detector saved with `to_state` exactly where it left off."""
        if state.get("detector") != cls.__name__:
            msg = f"state is for {state.get('detector')!r}, not {cls.__name__}: load it with that"
            raise ValueError(msg)
        detector = cls(**state["params"])
        detector._seen = int(state["seen"])
        detector._alarm = bool(state["alarm"])
        learning = detector._validate(np.asarray(state["learning"]))
        if learning.shape[0]:
            detector._buffer = [learning]
            detector._buffered = int(learning.shape[0])
        if "bank" in state:
            table = detector._restore_baseline(state["baseline"])
            bank = state["bank"]
            offsets = np.asarray(bank["offsets"], dtype=np.int64)
            if offsets.shape[0] != table.shape[0]:
                msg = "saved thresholds do not match this version's alternatives: re-learn"
                raise ValueError(msg)
            detector._bank = CusumBank(table, offsets, int(bank["threshold"]))
            detector._bank.load(bank)
        return detector

    def _params(self) -> dict[str, Any]:
        return {"reference": self.reference, "false_alarm_rate": self.false_alarm_rate}

    def _learn(self, values: npt.NDArray[Any]) -> None:
        if values.shape[0]:
            self._buffer.append(values)
            self._buffered += int(values.shape[0])
        if self._buffered >= self.reference:
            reference = np.concatenate(self._buffer)
            self._buffer = []
            table, found = self._fit(reference)
            offsets, threshold = found.units()
            self._bank = CusumBank(table, offsets, threshold)

    # ---------------------------------------------------------------- per detector
    @abstractmethod
    def _validate(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Check and convert a 1-d batch; raise ValueError naming the bad value and the fix."""

    @abstractmethod
    def _fit(self, reference: npt.NDArray[Any]) -> tuple[IntArray, Thresholds]:
        """Build the ratio table from the reference window and calibrate its threshold."""

    @abstractmethod
    def _symbols(self, values: npt.NDArray[Any]) -> IntArray:
        """Map validated observations to the table's columns."""

    @abstractmethod
    def _describe(self, row: int) -> str:
        """The alternative of one row of the table, in words."""

    @abstractmethod
    def _baseline_state(self) -> Any:
        """The baseline as JSON-ready values (what `_restore_baseline` takes)."""

    @abstractmethod
    def _restore_baseline(self, saved: Any) -> IntArray:
        """Set the baseline from `_baseline_state` output; return the ratio table."""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(reference={self.reference}, "
            f"false_alarm_rate={self.false_alarm_rate})"
        )


def bad_value(values: npt.NDArray[Any], mask: npt.NDArray[np.bool_]) -> tuple[int, Any]:
    """Position and value of the first observation flagged by `mask`."""
    pos = int(np.argmax(mask))
    return pos, values[pos].item() if hasattr(values[pos], "item") else values[pos]
