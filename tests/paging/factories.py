"""Test data for paging: channels of every kind, three people, a policy with two levels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.config_as_code.apply import apply_data
from blastwall.incidents.models import TimelineEntry
from blastwall.notify.message import Message
from blastwall.notify.models import Notification
from blastwall.paging.models import Escalation
from blastwall.paging.task import EscalationTask
from tests.notify.support import ADMIN

SUPPORT = "support-bot"  # covered by the policy with levels
SEARCH = "search-bot"  # covered by a PagerDuty service

CHANNELS = [
    {"name": "mail", "type": "email", "smtp_host": "127.0.0.1", "smtp_port": 2525,
     "starttls": False, "sender": "blastwall@example.com", "to": ["ops@example.com"]},
    {"name": "chat", "type": "slack", "webhook_url_env": "CHAT_URL"},
    {"name": "pd-ops", "type": "pagerduty", "routing_key_env": "PD_OPS_KEY"},
]  # fmt: skip

ONCALL = {
    "people": [
        {"name": "ana", "display_name": "Ana Lima", "email": "ana@example.com",
         "slack_user": "U0ANA1"},
        {"name": "ben", "slack_user": "U0BEN1"},
        {"name": "cem", "pagerduty_routing_key_env": "PD_KEY_CEM"},
    ],
    # One person in the rotation: who is on call does not depend on the day the test runs.
    "schedules": [{"name": "primary", "time_zone": "Europe/Berlin", "layers": [
        {"people": ["ana"], "rotation": "weekly", "start": "2026-01-05"}]}],
    "escalation_policies": [
        {"name": "support", "repeat": 1, "levels": [
            {"targets": [{"schedule": "primary"}], "delay_minutes": 10},
            {"targets": [{"person": "cem"}, {"person": "ben"}], "delay_minutes": 20},
        ]},
        {"name": "search", "pagerduty_service": "pd-ops"},
    ],
    "coverage": [
        {"policy": "support", "systems": [SUPPORT], "severity": [1, 2]},
        {"policy": "search", "systems": [SEARCH]},
    ],
}  # fmt: skip

ROUTES = [{"name": "search-pd", "events": ["incident.resolved"], "systems": [SEARCH],
           "channels": ["pd-ops"]}]  # fmt: skip


def document(**changes: Any) -> dict[str, Any]:
    """The blastwall.yaml body of these tests, with top-level keys replaced by ``changes``."""
    systems = [
        {"name": name, "owner": "ops", "risk_tier": "high", "environments": ["prod"]}
        for name in (SUPPORT, SEARCH)
    ]
    body = {"version": 1, "systems": systems, "channels": CHANNELS, "routes": ROUTES}
    return body | {"oncall": ONCALL} | changes


def configure(factory: sessionmaker[Session], **changes: Any) -> None:
    with factory() as session, session.begin():
        apply_data(session, document(**changes), actor=ADMIN)


def pages(factory: sessionmaker[Session], incident_id: int) -> list[tuple[str, str, str]]:
    """(event, channel, recipient) of the incident's notifications, in the order queued."""
    with factory() as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.incident_id == incident_id)
            .order_by(Notification.id)
        )
        return [(r.event, r.channel, r.recipient) for r in rows]


def messages(factory: sessionmaker[Session], incident_id: int) -> list[Message]:
    with factory() as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.incident_id == incident_id)
            .order_by(Notification.id)
        )
        return [Message.from_json(r.message) for r in rows]


def escalation(factory: sessionmaker[Session], incident_id: int) -> Escalation:
    with factory() as session:
        row = session.scalar(select(Escalation).where(Escalation.incident_id == incident_id))
        assert row is not None
        session.expunge(row)
        return row


def timeline(factory: sessionmaker[Session], incident_id: int, actor: str) -> list[str]:
    """The timeline sentences ``actor`` wrote on the incident, oldest first."""
    with factory() as session:
        rows = session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident_id, TimelineEntry.actor == actor)
            .order_by(TimelineEntry.id)
        )
        return [r.message for r in rows]


def tick_at(factory: sessionmaker[Session], at: datetime) -> None:
    """One tick of the escalation task with its clock at ``at``."""
    EscalationTask(factory, clock=lambda: at).tick()


def after(row: Escalation, minutes: float) -> datetime:
    """A second past ``minutes`` after the row's last page."""
    return row.paged_at + timedelta(minutes=minutes, seconds=1)
