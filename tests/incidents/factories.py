"""Test data for incidents: actors, systems with downstream actions, incident bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.incidents.models import Incident
from blastwall.incidents.schemas import IncidentCreate
from blastwall.registry.models import DownstreamAction, System

RESPONDER = Actor(name="rita", role=Role.responder)
ADMIN = Actor(name="ada", role=Role.admin)
T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """A fixed time ``minutes`` after T0, so durations are exact."""
    return T0 + timedelta(minutes=minutes)


def make_system(
    session: Session, name: str = "refund-bot", actions: dict[str, bool] | None = None
) -> System:
    """A system whose downstream actions map name -> reversible."""
    actions = {"issue_refund": False, "send_email": True} if actions is None else actions
    system = System(
        name=name,
        owner="payments",
        risk_tier="high",
        environments=["prod"],
        actions=[DownstreamAction(name=n, reversible=r) for n, r in actions.items()],
    )
    session.add(system)
    session.flush()
    return system


def incident_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "refund bot overpays",
        "classes": ["integrity"],
        "failure_mode": "sudden",
        "harm": "moderate",
        "summary": "refunds issued at 10x the order value",
    }
    body.update(overrides)
    return body


def incident_data(**overrides: Any) -> IncidentCreate:
    return IncidentCreate.model_validate(incident_json(**overrides))


def transient_incident(severity: int, status: str = "detected") -> Incident:
    """An incident outside any database, for the pure lifecycle functions."""
    return Incident(
        status=status,
        severity=severity,
        started_at=T0,
        detected_at=T0,
        acknowledged_at=None,
        contained_at=None,
        mitigated_at=None,
        resolved_at=None,
        postmortem_done_at=None,
    )
