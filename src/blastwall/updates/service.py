"""Posting an incident update: one ``incident.update_posted`` change, which restarts the clock.

The change is audited (its text in ``after``), becomes a timeline entry of kind ``update``,
and goes to every channel whose route takes ``incident.update_posted`` through the outbox;
the dispatcher then writes each delivered copy to the communications ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.access.service import require_role
from blastwall.changes import Change, record
from blastwall.comms import templates
from blastwall.config import get_settings
from blastwall.db.base import utcnow
from blastwall.exceptions import InvalidInput
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident
from blastwall.updates import cadence, config

MAX_TEXT = 10_000


@dataclass(frozen=True)
class Posted:
    """An update as it was recorded: its exact text, when, and when the next one is due."""

    incident_id: int
    text: str
    template: str | None
    at: datetime
    next_due: datetime | None
    audit_seq: int


def when(at: datetime | None) -> str:
    """A time as an update states it: ``2026-12-06 19:30 UTC``."""
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else "not scheduled"


def context(incident: Incident, *, message: str, next_due: datetime | None) -> dict[str, Any]:
    """What an update template may use (docs/communications.md lists the names)."""
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "affected": incident.system.name if incident.system is not None else "our service",
        "next_update": when(next_due),
        "message": message,
    }


def post(
    session: Session,
    incident_id: int,
    actor: Actor,
    *,
    message: str = "",
    template: str | None = None,
) -> Posted:
    """Post an update (``message``, filled into ``template`` when one is named); recorded."""
    require_role(actor, Role.responder)
    incident = incidents.get(session, incident_id, for_update=True)
    message = message.strip()
    if not message and template is None:
        raise InvalidInput(
            "an update needs a message or a status-page template; pass --message TEXT "
            "and/or --status-page-template investigating|identified|monitoring|resolved"
        )
    now = utcnow()  # the audit entry's time follows within the same call
    closed = incident.status in cadence.CLOSED
    interval = config.current(session).interval_s(incident.severity)
    next_due = None if closed else now + timedelta(seconds=interval)
    text = message
    if template is not None:
        filled = context(incident, message=message, next_due=next_due)
        text = templates.render("updates", template, filled, get_settings().comms_templates_dir)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the update is {len(text)} characters; keep it under {MAX_TEXT}")
    recorded = record(
        session,
        Change(
            action=cadence.POSTED,
            target=f"incident/{incident.id}",
            actor=actor,
            after={"text": text, "template": template},
            incident_id=incident.id,
            system=incident.system.name if incident.system is not None else None,
            timeline=text,
            data={
                "template": template,
                "next_update_due": next_due.isoformat() if next_due else None,
            },
        ),
    )
    at = recorded.entry.at
    due = None if closed else at + timedelta(seconds=interval)
    return Posted(incident.id, text, template, at, due, recorded.audit_seq)
