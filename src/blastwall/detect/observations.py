"""One batch of stored rows as numpy columns, and one monitor's observations from it."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from blastwall.detect.detectors import Kind

TRACE_BASE = (
    "id",
    "system",
    "environment",
    "at",
    "received_at",
    "trace_id",
    "decision",
    "outcome",
    "canary",
)
FEEDBACK_COLUMNS = ("id", "system", "environment", "at", "received_at", "trace_id", "rating")
REVIEW_COLUMNS = ("id", "system", "environment", "at", "received_at", "trace_id", "verdict")


@dataclass
class Rows:
    """One query's rows as columns: numpy object arrays (ids as int64)."""

    columns: dict[str, npt.NDArray[Any]]

    @classmethod
    def of(cls, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Rows:
        if not rows:
            return cls({name: np.empty(0, dtype=object) for name in names})
        transposed = list(zip(*rows, strict=True))
        columns: dict[str, npt.NDArray[Any]] = {}
        for name, values in zip(names, transposed, strict=True):
            array = np.empty(len(values), dtype=object)
            array[:] = values
            columns[name] = array
        return cls(columns)

    def __len__(self) -> int:
        return int(next(iter(self.columns.values())).shape[0]) if self.columns else 0

    def __getitem__(self, name: str) -> npt.NDArray[Any]:
        return self.columns[name]

    @functools.cached_property
    def received(self) -> npt.NDArray[np.float64]:
        """received_at as POSIX seconds, for comparisons with lever and release times."""
        return np.fromiter((d.timestamp() for d in self["received_at"]), np.float64, len(self))

    @functools.cached_property
    def canary(self) -> npt.NDArray[np.bool_]:
        """Whether each row is a canary case's call, computed once for every monitor."""
        return np.fromiter((bool(c) for c in self["canary"]), np.bool_, len(self))

    @functools.cached_property
    def by_system(self) -> dict[str, npt.NDArray[np.int64]]:
        """Row positions of each system, in row order."""
        groups: dict[str, list[int]] = {}
        for position, name in enumerate(self["system"]):
            groups.setdefault(name, []).append(position)
        return {name: np.asarray(p, dtype=np.int64) for name, p in groups.items()}


@dataclass
class Observations:
    """One monitor's observations from a batch, in the order they are fed."""

    values: npt.NDArray[Any]
    trace_ids: npt.NDArray[Any]
    at: npt.NDArray[Any]
    received: npt.NDArray[np.float64]
    missing: int = 0
    bad: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def take(self, keep: npt.NDArray[Any]) -> Observations:
        """The observations at positions (or under a mask) ``keep``; counters stay."""
        return Observations(
            self.values[keep],
            self.trace_ids[keep],
            self.at[keep],
            self.received[keep],
            self.missing,
            self.bad,
        )

    @classmethod
    def concat(cls, parts: Sequence[Observations]) -> Observations:
        """The parts one after the other (counters are not carried)."""
        return cls(
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.trace_ids for p in parts]),
            np.concatenate([p.at for p in parts]),
            np.concatenate([p.received for p in parts]),
        )

    @classmethod
    def empty(cls, kind: Kind) -> Observations:
        dtype = {Kind.categorical: object, Kind.binary: np.int64, Kind.continuous: np.float64}
        nothing = np.empty(0, dtype=object)
        return cls(np.empty(0, dtype=dtype[kind]), nothing, nothing, np.empty(0))


def as_datetime(value: Any) -> datetime:
    """An element of an ``at`` column, typed."""
    assert isinstance(value, datetime)
    return value
