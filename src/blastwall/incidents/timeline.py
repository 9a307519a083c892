"""An incident's timeline (I5): entries are added by the timeline subscriber, read here.

Domains do not write the timeline: they record a change (``changes.record``) with an
``incident_id`` and a ``timeline`` sentence, and ``incidents.subscribers`` adds the entry
in the same transaction. ``add_entry`` is the one place an entry is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from blastwall.exceptions import NotFound
from blastwall.incidents.models import Incident, TimelineEntry


def require_incident(
    session: Session, incident_id: int, field: str | None = None, *, for_update: bool = False
) -> Incident:
    """The incident, or ``NotFound`` saying how to find the right id.

    ``for_update`` locks its row, so concurrent changes to it apply one after the other.
    """
    incident = session.get(Incident, incident_id, with_for_update=for_update or None)
    if incident is None:
        extra = {} if field is None else {"field": field}
        raise NotFound(
            f"incident {incident_id} does not exist; `blastwall incident list` lists them",
            **extra,
        )
    return incident


def add_entry(
    session: Session,
    incident_id: int,
    *,
    kind: str,
    message: str,
    actor: str,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Record ``kind`` (lever, rollback, status, note, alarm, ...) on the incident's timeline."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(
            f"incident {incident_id} does not exist; `blastwall incident list` shows them"
        )
    entry = TimelineEntry(
        incident_id=incident_id, kind=kind, message=message, actor=actor, data=data or {}
    )
    if "timeline" in inspect(incident).unloaded:
        session.add(entry)
    else:
        # Keep an already loaded timeline current for whoever reads it later in this session.
        incident.timeline.append(entry)
    session.flush()
    return entry


def entry_for_change(session: Session, incident_id: int, audit_seq: int) -> TimelineEntry:
    """The timeline entry the change with audit entry ``audit_seq`` added to the incident."""
    stmt = select(TimelineEntry).where(
        TimelineEntry.incident_id == incident_id,
        TimelineEntry.data["audit_seq"].as_integer() == audit_seq,
    )
    entry = session.scalar(stmt)
    if entry is None:
        raise LookupError(f"change {audit_seq} added no entry to incident {incident_id}")
    return entry


def count_for_system(session: Session, system_id: int) -> int:
    """How many incidents name the system (its history, which must stay readable)."""
    stmt = select(func.count()).select_from(Incident).where(Incident.system_id == system_id)
    return session.scalar(stmt) or 0
