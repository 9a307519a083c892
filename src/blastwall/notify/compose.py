"""The Message a change becomes: incident facts read from the incident, the rest from the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from blastwall.changes import Recorded
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident
from blastwall.levers.enums import Lever
from blastwall.notify.message import Message

_LEVERS = {lever.value for lever in Lever}


@dataclass(frozen=True)
class Facts:
    """What routes filter on: the change's system and the severity of its incident."""

    system: str | None
    severity: int | None


def _incident(session: Session, recorded: Recorded) -> Incident | None:
    incident_id = recorded.change.incident_id
    return incidents.get(session, incident_id) if incident_id is not None else None


def facts(session: Session, recorded: Recorded) -> tuple[Facts, Incident | None]:
    """The change's system and severity, from its incident when it has one."""
    change = recorded.change
    incident = _incident(session, recorded)
    system = change.system
    if system is None and incident is not None and incident.system is not None:
        system = incident.system.name
    severity = incident.severity if incident is not None else change.data.get("severity")
    return Facts(system, severity if isinstance(severity, int) else None), incident


def _when(value: object) -> datetime | None:
    """A change's ``next_update_due`` (ISO text, set by a posted update), as a time."""
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def compose(recorded: Recorded, event: str, found: Facts, incident: Incident | None) -> Message:
    """The message for ``recorded`` as ``event``: what the timeline says, plus the incident."""
    change, entry = recorded.change, recorded.entry
    summary = change.timeline or change.reason or f"{change.action} on {change.target}"
    title = incident.title if incident is not None else f"{change.action}: {change.target}"
    key = f"incident-{incident.id}" if incident is not None else f"{change.domain}-{change.target}"
    pulled = sorted(name for name in (change.after or {}) if name in _LEVERS)
    return Message(
        event=event,
        key=key,
        change_seq=entry.seq,
        at=entry.at,
        title=title,
        summary=summary,
        system=found.system,
        environment=change.data.get("environment"),
        incident_id=incident.id if incident is not None else None,
        severity=found.severity,
        incident_class=incident.classes[0] if incident is not None and incident.classes else None,
        status=incident.status if incident is not None else None,
        commander=incident.commander if incident is not None else None,
        levers=pulled,
        next_update_due=_when(change.data.get("next_update_due")),
        actor=change.actor.name,
        details={"action": change.action, "target": change.target},
    )
