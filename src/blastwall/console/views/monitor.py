"""A monitor's page: its state, its alarms, and two charts around the latest alarm.

* **Estimate**: what the monitor watches (the share of the category that moved, a rate, or
  a median), per time bucket, against the baseline's normal range (a band).
* **Detector statistic**: the CUSUM statistic a fresh detector on the alarm's baseline
  reaches over the same observations, against its calibrated threshold.

Both mark the estimated change time and the alarm. Nothing here is stored for the chart:
the observations are read back from the traces the engine read (``detect.monitors.history``)
and replayed through ``reference_detector``, as rollback verification does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.console import charts
from blastwall.detect.detectors import Kind
from blastwall.detect.monitors import history, source
from blastwall.detect.monitors import service as monitors
from blastwall.detect.monitors.models import Alarm, Monitor
from blastwall.detect.monitors.runtime import Config, MonitorRuntime, reference_detector
from blastwall.inputs import INT32_MAX

BUCKETS = 40
POINTS = 150
MIN_SPAN = timedelta(seconds=30)
MAX_SPAN = timedelta(minutes=15)
ALL_ROWS = INT32_MAX  # every row: ids are INTEGER on PostgreSQL


@dataclass
class MonitorPage:
    monitor: Monitor
    phase: str
    message: str
    alarms: list[Alarm]
    estimate: Markup | None
    statistic: Markup | None
    chart_note: str


def build(session: Session, system: str, name: str, now: datetime | None = None) -> MonitorPage:
    """The monitor, its last alarms and the charts around the latest one (or the last span)."""
    monitor = monitors.get_by_name(session, system, name)
    state = monitor.state
    alarms = list(
        session.scalars(
            select(Alarm).where(Alarm.monitor_id == monitor.id).order_by(Alarm.id.desc()).limit(10)
        )
    )
    config = Config.of(monitor)
    record, start, end, note = _focus(config, monitor, alarms, now or datetime.now(UTC))
    if record is None:
        return MonitorPage(
            monitor,
            state.phase if state else "learning",
            state.message if state else "",
            alarms,
            None,
            None,
            note,
        )
    upto = {source.TRACES: ALL_ROWS}
    side = source.side(config.spec)
    if side is not None:
        upto[side] = ALL_ROWS
    seen = history.window(session, config, upto=upto, since=start, until=end)
    values, times = _encoded(config.kind, record, seen.values, seen.at)
    marks = _marks(alarms[0]) if alarms else []
    estimate = _estimate_chart(config.kind, record, values, times, marks)
    statistic = _statistic_chart(record, values, times, marks)
    return MonitorPage(
        monitor,
        state.phase if state else "learning",
        state.message if state else "",
        alarms,
        charts.render(estimate) if estimate else None,
        charts.render(statistic) if statistic else None,
        note,
    )


def _focus(
    config: Config, monitor: Monitor, alarms: list[Alarm], now: datetime
) -> tuple[dict[str, Any] | None, datetime, datetime, str]:
    """(baseline record, window start, window end, a sentence saying what is charted)."""
    if alarms:
        alarm = alarms[0]
        span = min(max(alarm.observed_at - alarm.change_at, MIN_SPAN), MAX_SPAN)
        start, end = alarm.change_at - span, min(alarm.observed_at + span, now)
        return (
            alarm.reference,
            start,
            end,
            f"Around alarm #{alarm.id}, replayed on the baseline that alarm recorded.",
        )
    state = monitor.state
    if state is None or state.detector is None:
        return None, now, now, "No chart yet: the monitor is still learning its baseline."
    runtime = MonitorRuntime.load(config, state)
    if not runtime.fitted:
        return None, now, now, "No chart yet: the monitor is still learning its baseline."
    return runtime.reference_record(), now - MAX_SPAN, now, "The last 15 minutes, no alarm."


def _encoded(
    kind: Kind, record: dict[str, Any], values: npt.NDArray[Any], at: npt.NDArray[Any]
) -> tuple[npt.NDArray[Any], list[datetime]]:
    if kind is Kind.categorical:
        index = {label: i for i, label in enumerate(record["labels"])}
        ids = np.fromiter((index.get(v, -1) for v in values), np.int64, values.shape[0])
        keep = ids >= 0
        return ids[keep], [t for t, k in zip(at, keep, strict=True) if k]
    return values, list(at)


def _marks(alarm: Alarm) -> list[charts.Mark]:
    return [
        charts.Mark(alarm.change_at, "change (estimated)", "◆"),
        charts.Mark(alarm.observed_at, f"alarm #{alarm.id}", "▲"),
    ]


def _chunks(n: int, parts: int) -> list[tuple[int, int]]:
    size = max(1, math.ceil(n / parts))
    return [(i, min(i + size, n)) for i in range(0, n, size)]


def _estimate_chart(
    kind: Kind,
    record: dict[str, Any],
    values: npt.NDArray[Any],
    times: list[datetime],
    marks: list[charts.Mark],
) -> charts.Chart | None:
    if not len(times):
        return None
    baseline = reference_detector(record).baseline
    if kind is Kind.continuous:
        baseline = record["baseline"]  # the sorted reference values themselves
        q1, median, q3 = (float(q) for q in np.quantile(np.asarray(baseline), [0.25, 0.5, 0.75]))
        points = [
            (times[b - 1], float(np.median(values[a:b]))) for a, b in _chunks(len(times), BUCKETS)
        ]
        return charts.Chart(
            "Median per time bucket",
            "median",
            points,
            band=(q1, q3),
            band_label=f"baseline middle half (median {median:.3g})",
            marks=marks,
        )
    if kind is Kind.binary:
        rate = float(baseline) if isinstance(baseline, float) else float(baseline[1])  # type: ignore[index]
        target, label = 1, "rate"
    else:
        shares = np.asarray(baseline, dtype=np.float64)
        counts = np.bincount(values.astype(np.int64), minlength=shares.shape[0])[: shares.shape[0]]
        seen = counts / max(len(values), 1)
        target = int(np.argmax(np.abs(seen - shares)))
        rate = float(shares[target])
        label = f"share of {record['labels'][target]!r}"
    points = []
    half = 0.0
    for a, b in _chunks(len(times), BUCKETS):
        points.append((times[b - 1], float(np.mean(values[a:b] == target))))
        half = max(half, 3 * math.sqrt(rate * (1 - rate) / max(b - a, 1)))
    return charts.Chart(
        f"{label} per time bucket",
        label,
        points,
        band=(max(rate - half, 0.0), min(rate + half, 1.0)),
        band_label=f"baseline {rate:.1%} ± 3 standard errors",
        marks=marks,
    )


def _statistic_chart(
    record: dict[str, Any],
    values: npt.NDArray[Any],
    times: list[datetime],
    marks: list[charts.Mark],
) -> charts.Chart | None:
    if not len(times):
        return None
    detector = reference_detector(record)
    points = []
    for a, b in _chunks(len(times), POINTS):
        detector.update_many(values[a:b])
        points.append((times[b - 1], detector.statistic))
    return charts.Chart(
        "Detector statistic (CUSUM, nats)",
        "statistic",
        points,
        threshold=detector.threshold,
        threshold_label="alarm threshold",
        marks=marks,
    )
