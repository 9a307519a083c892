"""Seeded traces around one incident, stored through ingest's own path, with known counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident, IncidentSignal
from blastwall.traces import ingest
from blastwall.traces.events import event_adapter
from tests.incidents.factories import RESPONDER, at, incident_data, make_system
from tests.traces.factories import call_event

SYSTEM, OTHER, SIGNALLED = "refund-bot", "other-bot", "mail-bot"

HOLD = {"name": "hold_account", "reversible": False, "status": "fired"}
EMAIL = {"name": "send_email", "reversible": True, "status": "approved"}
REFUSED = {"name": "issue_refund", "reversible": False, "status": "refused"}


def trace(
    session: Session,
    minute: float,
    *,
    system: str = SYSTEM,
    user: str | None = "u1",
    label: str | None = "fraud",
    actions: list[dict[str, Any]] | None = None,
    canary: bool = False,
    trace_id: str | None = None,
) -> None:
    """Store one call event through ``ingest.store``, as the SDK's would be."""
    event = call_event(
        system=system,
        at=at(minute).isoformat(),
        user_id=user,
        label=label,
        actions=actions or [],
        trace_id=trace_id or f"{system}-{minute:g}",
    )
    stored, rejected = ingest.store(
        session, [(0, event_adapter.validate_python(event))], received_at=at(minute), canary=canary
    )
    assert (stored, rejected) == (1, [])


def seed(session: Session) -> Incident:
    """An incident on SYSTEM from minute 0, detected at minute 60, and traces around it.

    In the window [0, 60] on SYSTEM: four production calls by u1, u2, u1 and no user;
    labels fraud, fraud, refund, none; hold_account (irreversible) fired twice,
    send_email (reversible) approved once, issue_refund refused once (not counted).
    Not counted: a canary call (minute 15), calls at minutes -30 and 90, OTHER's call, and
    SIGNALLED's call until a signal from SIGNALLED joins the incident.
    """
    for name in (SYSTEM, OTHER, SIGNALLED):
        make_system(session, name)
    incident = incidents.open(
        session,
        incident_data(system=SYSTEM, started_at=at(0).isoformat()),
        RESPONDER,
        detected_at=at(60),
    )
    trace(session, 10, user="u1", actions=[HOLD, EMAIL, REFUSED])
    trace(session, 20, user="u2", actions=[HOLD])
    trace(session, 30, user="u1", label="refund")
    trace(session, 40, user=None, label=None)
    trace(session, 15, user="u9", actions=[HOLD], canary=True)
    trace(session, -30, user="u5")
    trace(session, 90, user="u6")
    trace(session, 10, system=OTHER, user="u7", actions=[HOLD])
    trace(session, 25, system=SIGNALLED, user="u8", label="spam", actions=[EMAIL])
    return incident


def join_signal(session: Session, incident: Incident, system: str = SIGNALLED) -> None:
    """A monitor alarm from ``system`` joined the incident (as intake would record it)."""
    session.add(
        IncidentSignal(
            incident_id=incident.id,
            source="monitor",
            key="7",
            system=system,
            title="spam rate up",
            status="firing",
            harm="moderate",
            started_at=at(25),
            received_at=at(26),
            actor="detect",
        )
    )
    session.flush()


def window_of(start: float, end: float) -> tuple[datetime, datetime]:
    return at(start), at(end)
