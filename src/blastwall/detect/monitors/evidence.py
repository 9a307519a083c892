"""What an alarm shows: baseline vs the stream since the change, when it began, examples.

The change time is the detector's own estimate (``change_index``: the observation after the
alarming CUSUM was last at zero, the standard CUSUM change-point estimate).  The current
estimate is computed from the observations between that point and the alarm, and the
sample trace ids are calls from that stretch that show the change (a call in the category
whose share moved, a call with the event whose rate rose, a length beyond the baseline's
quartiles), spread evenly over it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from blastwall.detect.detectors import Kind
from blastwall.detect.monitors.runtime import Fed, MonitorRuntime
from blastwall.detect.signals import Observations

SAMPLES = 10
# Fetches up to N observations fed just before the current batch, oldest first.
Lookback = Callable[[int], Observations]


@dataclass
class Evidence:
    """Everything an alarm records about the change."""

    observed_at: datetime
    trace_id: str | None
    change_at: datetime
    change_observations: int
    change_bounded: bool  # the change began before the oldest observation looked at
    description: str
    baseline: Any
    current: Any
    threshold: float
    false_alarm_rate: float
    samples: list[str]
    reference: dict[str, Any]
    # The release tested against a known-good baseline, and the surfaces it changed.
    release: dict[str, Any] | None = None

    def as_data(self) -> dict[str, Any]:
        """JSON-ready, for the incident's timeline."""
        return {
            "observed_at": self.observed_at.isoformat(),
            "trace_id": self.trace_id,
            "change_at": self.change_at.isoformat(),
            "change_observations": self.change_observations,
            "change_bounded": self.change_bounded,
            "description": self.description,
            "baseline": self.baseline,
            "current": self.current,
            "threshold": self.threshold,
            "false_alarm_rate": self.false_alarm_rate,
            "sample_trace_ids": self.samples,
            "release": self.release,
        }


def gather(runtime: MonitorRuntime, fed: Fed, *, lookback: Lookback) -> Evidence:
    """Evidence for the first alarm of a feed; ``lookback`` supplies earlier observations
    when the change began before this batch."""
    detector = runtime.detector
    assert detector is not None
    batch, start, position = fed.observations, fed.start, fed.alarms[0]
    change_index, leading = fed.change_index, fed.leading
    alarm_index = start + position
    change = alarm_index if change_index is None else min(change_index, alarm_index)
    segment = batch.take(np.arange(max(change - start, 0), position + 1))
    bounded = False
    if change < start:
        earlier = lookback(start - change)
        bounded = len(earlier) < start - change
        segment = Observations.concat([earlier, segment])
    values = segment.values
    current, candidates = _current(runtime, values)
    return Evidence(
        observed_at=batch.at[position],
        trace_id=batch.trace_ids[position],
        change_at=segment.at[0],
        change_observations=len(segment),
        change_bounded=bounded,
        description=_described(runtime, leading or detector.leading_alternative or ""),
        baseline=runtime.labelled_baseline(),
        current=current,
        threshold=float(detector.threshold or 0.0),
        false_alarm_rate=detector.false_alarm_rate,
        samples=_spread(segment.trace_ids[candidates]),
        reference=runtime.reference_record(),
    )


def _described(runtime: MonitorRuntime, text: str) -> str:
    """'share of category 1 ...' -> "share of 'fraud' ..." using the monitor's labels."""
    return re.sub(r"category (\d+)", lambda m: repr(runtime.label(int(m.group(1)))), text)


def _current(
    runtime: MonitorRuntime, values: npt.NDArray[Any]
) -> tuple[Any, npt.NDArray[np.bool_]]:
    """The estimate since the change, and which of those observations show the change."""
    kind = runtime.config.kind
    size = int(values.shape[0])
    baseline = runtime.labelled_baseline()
    if kind is Kind.categorical:
        labels = [runtime.label(i) for i in range(len(baseline))]
        counts = np.bincount(values.astype(np.int64), minlength=len(labels))[: len(labels)]
        shares = counts / max(size, 1)
        base = np.asarray([baseline[label] for label in labels])
        # The category that moved most, in standard errors of its baseline share.
        z = (shares - base) / np.sqrt(base * (1.0 - base) / max(size, 1))
        moved = int(np.argmax(np.abs(z)))
        show = values == moved if shares[moved] > base[moved] else values != moved
        current = {label: round(float(s), 6) for label, s in zip(labels, shares, strict=True)}
        return {**current, "observations": size}, show
    if kind is Kind.binary:
        rate = float(values.mean()) if size else 0.0
        show = values == (1 if rate >= baseline["rate"] else 0)
        return {"rate": round(rate, 6), "observations": size}, show
    q1, median, q3 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
    if median > baseline["q3"] or (median > baseline["median"] and q3 > baseline["q3"]):
        show = values > baseline["q3"]
    elif median < baseline["q1"] or (median < baseline["median"] and q1 < baseline["q1"]):
        show = values < baseline["q1"]
    else:
        show = (values < baseline["q1"]) | (values > baseline["q3"])
    return {"q1": q1, "median": median, "q3": q3, "observations": size}, show


def _spread(trace_ids: npt.NDArray[Any]) -> list[str]:
    """Up to SAMPLES distinct trace ids, evenly spread over the stretch, oldest first."""
    distinct = list(dict.fromkeys(str(t) for t in trace_ids))
    if len(distinct) <= SAMPLES:
        return distinct
    picks = np.linspace(0, len(distinct) - 1, SAMPLES).round().astype(int)
    return [distinct[i] for i in picks]
