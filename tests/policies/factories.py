"""Test data for policies: a policy body, a stored policy, an alarm through the intake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.incidents import intake
from blastwall.incidents.enums import Harm
from blastwall.incidents.models import TimelineEntry
from blastwall.levers import authority
from blastwall.policies import service
from blastwall.policies.spec import PolicySpec
from tests.registry.factories import SYSTEM

ADMIN = Actor(name="root", role=Role.admin)
MONITOR_ACTOR = Actor(name="monitor", role=Role.admin)
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def policy(**overrides: Any) -> PolicySpec:
    """An enforce policy killing support-agent in prod when its monitor 'refusals' alarms."""
    body: dict[str, Any] = {
        "name": "kill-on-refusals",
        "system": SYSTEM,
        "mode": "enforce",
        "when": {"alarm": {"monitor": "refusals"}},
        "do": [{"environment": "prod", "set": {"killed": True}}],
        "cooldown": 0,
        "max_per_hour": 3,
    }
    body.update(overrides)
    return PolicySpec.model_validate(body)


def store(session: Session, *specs: PolicySpec) -> None:
    service.replace(session, list(specs), ADMIN)


def grant(session: Session, name: str, lever: str = "*") -> None:
    """An authority rule letting ``policy:NAME`` pull ``lever`` on every system."""
    authority.replace_rules(
        session, [{"subject": f"policy:{name}", "lever": lever, "system": "*"}], ADMIN
    )


def alarm(session: Session, key: str = "m1", monitor: str = "refusals") -> int:
    """A monitor alarm through the one intake; returns the incident it opened or joined."""
    signal = intake.Signal(
        source=intake.Source.monitor,
        key=key,
        system=SYSTEM,
        title=f"{monitor} alarmed",
        message=f"monitor {monitor} alarmed",
        action="alarm.raised",
        started_at=T0,
        received_at=T0 + timedelta(minutes=1),
        harm=Harm.moderate,
        evidence={"monitor": monitor},
        after={"monitor": monitor},
    )
    return intake.receive(session, signal, MONITOR_ACTOR).incident_id


def timeline(session: Session, incident_id: int) -> list[tuple[str, str, str]]:
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
    return [(e.kind, e.actor, e.message) for e in session.scalars(stmt.order_by(TimelineEntry.id))]
