"""Reminders before each deadline: once per clock and threshold, routed to the channels."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.incidents.models import TimelineEntry
from blastwall.notify.models import Notification
from blastwall.regulatory.models import Reminder
from blastwall.regulatory.reminders import ReminderTask
from tests.regulatory.factories import AWARE, apply_text, open_incident

Factory = sessionmaker[Session]
H = timedelta(hours=1)

GDPR_ONLY = """\
version: 1
systems:
  - name: privacy-bot
    owner: privacy-ml
    risk_tier: high
    environments: [prod]
    regimes: [gdpr]
channels:
  - {name: chat, type: slack, webhook_url_env: CHAT_URL}
routes:
  - {name: deadlines, events: [regulatory.reminder], channels: [chat]}
"""


def _tick(factory: Factory, at: datetime) -> None:
    ReminderTask(factory, thresholds=[50, 90, 100], clock=lambda: at).tick()


def _reminders(factory: Factory, incident: int) -> list[str]:
    with factory() as session:
        query = (
            select(TimelineEntry.message)
            .where(TimelineEntry.incident_id == incident, TimelineEntry.kind == "regulatory")
            .order_by(TimelineEntry.id)
        )
        return [m for m in session.scalars(query) if "due" in m]


def test_each_threshold_reminds_once_and_the_outbox_routes_it(session_factory: Factory) -> None:
    apply_text(session_factory, GDPR_ONLY)
    incident = open_incident(session_factory)
    for hours in (30, 36, 37, 70, 71, 73, 80):
        _tick(session_factory, AWARE + hours * H)
    due = "2026-12-04T09:30:00+00:00"
    assert _reminders(session_factory, incident) == [
        f"Reminder: GDPR Art. 33 notification report due at {due}, 36h00m left "
        "(50% of the 72h window gone)",
        f"Reminder: GDPR Art. 33 notification report due at {due}, 2h00m left "
        "(90% of the 72h window gone)",
        f"OVERDUE: GDPR Art. 33 notification report was due at {due} (72h window)",
    ]
    with session_factory() as session:
        sent = session.execute(
            select(Notification.channel, Notification.event).where(
                Notification.incident_id == incident
            )
        ).all()
        assert sorted(sent) == [("chat", "regulatory.reminder")] * 3
        rows = session.execute(
            select(Reminder.threshold, Reminder.sent_at).where(Reminder.incident_id == incident)
        ).all()
        assert sorted(rows) == [(50, AWARE + 36 * H), (90, AWARE + 70 * H), (100, AWARE + 73 * H)]

    # A clock first seen at 95% gets the 90% reminder only; the 50% one is passed over.
    late = open_incident(session_factory)
    _tick(session_factory, AWARE + 68.5 * H)
    _tick(session_factory, AWARE + 69 * H)
    assert _reminders(session_factory, late) == [
        f"Reminder: GDPR Art. 33 notification report due at {due}, 3h30m left "
        "(90% of the 72h window gone)"
    ]
    with session_factory() as session:
        rows = session.execute(
            select(Reminder.threshold, Reminder.audit_seq.is_not(None)).where(
                Reminder.incident_id == late
            )
        ).all()
        assert sorted(rows) == [(50, False), (90, True)]
