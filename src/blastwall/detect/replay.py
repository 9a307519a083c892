"""Replay a recorded stream through the server's detectors and return where they alarm.

Reads the benchmark stream format (CSV with header ``index,value``, one observation per
line).  Rows that cannot be an observation of the stream's kind are skipped and counted,
never fed to a detector (so they can neither crash a replay nor raise an alarm):

* a line without exactly two fields, an index that is not an integer or does not increase;
* a value that is not a number, NaN or infinite;
* binary: a value other than 0 or 1;  categorical: a value that is not a whole number from
  0 to `MAX_CATEGORY`, or (after the reference window) a category id the reference never
  reached (the category set is ids 0 .. the largest id in the reference);
* continuous: a negative value, unless negatives are allowed (lengths and latencies never
  are; signed features are).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from blastwall.detect.detectors import Kind, make_detector
from blastwall.detect.detectors._base import (
    DEFAULT_FALSE_ALARM_RATE,
    DEFAULT_REFERENCE,
    ReferenceDetector,
)

# Kind and make_detector live in the detectors package; named here for older imports.
__all__ = [
    "MAX_CATEGORY",
    "BadRows",
    "Kind",
    "Replay",
    "Stream",
    "make_detector",
    "read_stream",
    "replay",
    "replay_file",
]

MAX_CATEGORY = 255
_EXAMPLES = 3


@dataclass
class BadRows:
    """Rows skipped while reading, by reason, with the first few as examples."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, line_no: int, reason: str, text: str) -> None:
        self.counts[reason] += 1
        if len(self.examples) < _EXAMPLES:
            self.examples.append(f"line {line_no}: {reason}: {text.strip()[:60]!r}")

    def summary(self) -> str:
        """One paragraph for stderr: how many, why, and where the first ones were."""
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.counts.most_common())
        where = "; ".join(self.examples)
        return f"skipped {self.total} bad row(s) ({reasons}); first: {where}"


@dataclass
class Stream:
    """The valid observations of a stream file, with their index column."""

    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    lines: npt.NDArray[np.int64]  # line number of each observation, for error reports
    bad: BadRows


@dataclass
class Replay:
    """Result of a replay: alarm indices (from the index column) and what was skipped."""

    alarms: list[int]
    observations: int
    monitored: int
    bad: BadRows
    detector: ReferenceDetector


def read_stream(text: str, kind: Kind, *, allow_negative: bool = False) -> Stream:
    """Parse the CSV text; skip and count rows that are not observations of `kind`."""
    bad = BadRows()
    indices: list[int] = []
    values: list[float] = []
    lines: list[int] = []
    previous = -math.inf
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(",")
        if len(parts) != 2:
            bad.add(line_no, "not two fields", line)
            continue
        raw_index, raw_value = parts[0].strip(), parts[1].strip()
        if line_no == 1 and raw_index.lower() == "index":
            continue
        try:
            index = int(raw_index)
        except ValueError:
            bad.add(line_no, "index not an integer", line)
            continue
        if index <= previous:
            bad.add(line_no, "index not increasing", line)
            continue
        try:
            value = float(raw_value)
        except ValueError:
            bad.add(line_no, "value not a number", line)
            continue
        reason = _reject(value, kind, allow_negative=allow_negative)
        if reason:
            bad.add(line_no, reason, line)
            continue
        previous = index
        indices.append(index)
        values.append(value)
        lines.append(line_no)
    return Stream(
        np.asarray(indices, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        np.asarray(lines, dtype=np.int64),
        bad,
    )


def _reject(value: float, kind: Kind, *, allow_negative: bool) -> str | None:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "infinite"
    if kind is Kind.binary and value not in (0.0, 1.0):
        return "not 0 or 1"
    if kind is Kind.categorical and (value != math.floor(value) or not 0 <= value <= MAX_CATEGORY):
        return f"category id not a whole number in 0..{MAX_CATEGORY}"
    if kind is Kind.continuous and value < 0 and not allow_negative:
        return "negative value"
    return None


def replay(
    stream: Stream,
    kind: Kind,
    *,
    reference: int = DEFAULT_REFERENCE,
    false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
) -> Replay:
    """Feed the stream's observations in order; alarms restart the detector's CUSUMs."""
    values = stream.values
    indices = stream.indices
    categories = 2
    if kind is Kind.categorical:
        # The category set is what the reference window reached; later ids beyond it are
        # counted as unknown, like any other bad row.
        categories = int(values[:reference].max()) + 1 if values.shape[0] else 2
        unknown = np.flatnonzero(values[reference:] >= categories) + reference
        for pos in unknown:
            stream.bad.add(
                int(stream.lines[pos]),
                f"unknown category (reference had 0..{categories - 1})",
                f"{indices[pos]},{values[pos]:g}",
            )
        keep = np.ones(values.shape[0], dtype=bool)
        keep[unknown] = False
        values, indices = values[keep], indices[keep]
    detector = make_detector(
        kind, reference=reference, false_alarm_rate=false_alarm_rate, categories=categories
    )
    feed = values.astype(np.int64) if kind is not Kind.continuous else values
    positions = detector.update_many(feed)
    return Replay(
        alarms=[int(indices[p]) for p in positions],
        observations=int(values.shape[0]),
        monitored=max(0, int(values.shape[0]) - reference),
        bad=stream.bad,
        detector=detector,
    )


def replay_file(
    path: Path,
    kind: Kind,
    *,
    reference: int = DEFAULT_REFERENCE,
    false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
    allow_negative: bool = False,
) -> Replay:
    """Read a stream file and replay it (see `read_stream` and `replay`)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    stream = read_stream(text, kind, allow_negative=allow_negative)
    return replay(stream, kind, reference=reference, false_alarm_rate=false_alarm_rate)
