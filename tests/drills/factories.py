"""Test data for drills: a run at a frozen time, traces and timeline entries around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from blastwall.drills.models import DrillRun
from blastwall.incidents.models import TimelineEntry
from blastwall.traces.models import Trace
from tests.registry.factories import SYSTEM

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
_ids = count(1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(session: Session, **overrides: Any) -> DrillRun:
    """A live temperature drill on support-agent/prod injected at T0, still running."""
    fields: dict[str, Any] = {
        "scenario": "temperature",
        "mode": "live",
        "system": SYSTEM,
        "environment": "prod",
        "status": "running",
        "fault": {"release": "hot", "replaced": "r1"},
        "started_at": T0,
        "deadline_at": at(300),
        "started_by": "cora",
    }
    made = DrillRun(**(fields | overrides))
    session.add(made)
    session.flush()
    return made


def trace(session: Session, seconds: float, **overrides: Any) -> Trace:
    """A delivered prod call of support-agent ``seconds`` after T0 under release 'hot'."""
    number = next(_ids)
    fields: dict[str, Any] = {
        "event_id": f"e{number}",
        "trace_id": f"t{number}",
        "system": SYSTEM,
        "environment": "prod",
        "at": at(seconds),
        "received_at": at(seconds),
        "decision": "proceed",
        "outcome": "ok",
        "release": "hot",
        "payload": {},
    }
    made = Trace(**(fields | overrides))
    session.add(made)
    return made


def entry(
    session: Session, incident_id: int, kind: str, seconds: float, **data: Any
) -> TimelineEntry:
    made = TimelineEntry(
        incident_id=incident_id,
        kind=kind,
        at=at(seconds),
        actor=str(data.pop("actor", "someone")),
        message=kind,
        data=data,
    )
    session.add(made)
    return made
