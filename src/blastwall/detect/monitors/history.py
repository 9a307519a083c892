"""Re-reading stored events for one monitor: before a batch (alarm evidence), or in a window.

Both recompute observations with the same signal code the engine fed, so they are the
observations the detector saw (exactly, for one-table signals; for the feedback rate the
two tables are merged by arrival time, as in a tick).  "Feedback" below stands for the other
table a signal reads (``source.side``): feedback, or review verdicts.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from blastwall.detect.detectors import Kind
from blastwall.detect.monitors import source
from blastwall.detect.monitors.runtime import Config, MonitorRuntime
from blastwall.detect.signals import Observations, Rows, observe, trace_columns

EMPTY = np.empty(0, dtype=np.int64)
CHUNK = 20_000
WINDOW_LIMIT = 2_000_000


def _observe(config: Config, traces: Rows, feedback: Rows | None) -> Observations:
    positions = traces.by_system.get(config.system, EMPTY) if len(traces) else EMPTY
    feedback_positions = None
    if feedback is not None and len(feedback):
        feedback_positions = feedback.by_system.get(config.system, EMPTY)
    if not len(positions) and (feedback_positions is None or not len(feedback_positions)):
        return Observations.empty(config.kind)
    return observe(config.spec, traces, positions, feedback, feedback_positions)


def batch(config: Config, traces: Rows, feedback: Rows | None) -> Observations:
    """The monitor's observations from a tick's rows."""
    return _observe(config, traces, feedback)


def before(
    session: Session,
    runtime: MonitorRuntime,
    count: int,
    *,
    below: dict[str, int],
    scan_limit: int,
) -> Observations:
    """The last ``count`` observations from rows with ids below ``below`` (fewer if
    ``scan_limit`` rows were read first), oldest first."""
    config = runtime.config
    names = trace_columns([config.spec])
    parts: list[Observations] = []
    found = scanned = 0
    trace_below = below[source.TRACES]
    side = source.side(config.spec)
    feedback_below = below.get(side, 0) if side else 0
    while found < count and scanned < scan_limit:
        traces = source.fetch(
            session,
            source.TRACES,
            names,
            after=0,
            before=0 if config.spec.definition.reviews else trace_below,
            limit=CHUNK,
            system=config.system,
            newest_first=True,
        )
        feedback = None
        if side is not None:
            feedback = source.fetch(
                session,
                side,
                source.SIDE_COLUMNS[side],
                after=0,
                before=feedback_below,
                limit=CHUNK,
                system=config.system,
                newest_first=True,
            )
            if len(feedback):
                feedback_below = int(feedback["id"][0])
        if not len(traces) and (feedback is None or not len(feedback)):
            break
        scanned += len(traces) + (len(feedback) if feedback is not None else 0)
        chunk = _observe(config, traces, feedback)
        if config.kind is Kind.categorical:
            chunk = runtime.encode(chunk)
        parts.insert(0, chunk)
        found += len(chunk)
        if len(traces):
            trace_below = int(traces["id"][0])
    if not parts:
        return Observations.empty(config.kind)
    merged = Observations.concat(parts)
    return merged.take(np.arange(max(len(merged) - count, 0), len(merged)))


def window(
    session: Session,
    config: Config,
    *,
    upto: dict[str, int],
    since: datetime,
    until: datetime | None,
) -> Observations:
    """Observations of rows up to the cursors whose event time is in [since, until)."""
    traces = source.fetch_window(
        session,
        source.TRACES,
        trace_columns([config.spec]),
        system=config.system,
        upto=upto[source.TRACES],
        since=since,
        until=until,
        limit=WINDOW_LIMIT,
    )
    feedback = None
    side = source.side(config.spec)
    if side is not None and side in upto:
        feedback = source.fetch_window(
            session,
            side,
            source.SIDE_COLUMNS[side],
            system=config.system,
            upto=upto[side],
            since=since,
            until=until,
            limit=WINDOW_LIMIT,
        )
    return _observe(config, traces, feedback)
