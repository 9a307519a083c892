"""Append to an incident's timeline: the one entry point every domain uses (I5)."""

from __future__ import annotations

from typing import Any

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
    if session.get(Incident, incident_id) is None:
        raise NotFound(
            f"incident {incident_id} does not exist; `blastwall incident list` shows them"
        )
    entry = TimelineEntry(
        incident_id=incident_id, kind=kind, message=message, actor=actor, data=data or {}
    )
    session.add(entry)
    session.flush()
    return entry
