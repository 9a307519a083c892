"""Append to an incident's timeline: the one entry point every domain uses (I5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from blastwall.exceptions import NotFound
from blastwall.incidents.models import Incident, TimelineEntry


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
