"""Cadence updates, reminders, the ledger the dispatcher writes, and user notices (M1, M2)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.comms import ledger
from blastwall.comms.models import LedgerEntry
from blastwall.config_as_code.apply import apply_data
from blastwall.exceptions import Forbidden
from blastwall.incidents import roles
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.notices import service as notices
from blastwall.notify.channels.email import EmailChannel
from blastwall.notify.dispatcher import Dispatcher
from blastwall.notify.message import Message
from blastwall.notify.models import Notification
from blastwall.traces.models import Trace
from blastwall.updates import cadence, reminders, service
from blastwall.updates.task import UpdateReminderTask
from tests.notify.support import ADMIN, open_incident

SYSTEM = "support-bot"
COMMANDER = Actor(name="lead", role=Role.commander)
MAIL = {"name": "mail", "type": "email", "smtp_host": "127.0.0.1", "smtp_port": 2525,
        "starttls": False, "sender": "bw@example.com", "to": ["ops@example.com"]}  # fmt: skip
PEOPLE = {"people": [{"name": "ana", "email": "ana@example.com"},
                     {"name": "cem", "email": "cem@example.com"}]}  # fmt: skip


def _configure(session: Session, **extra: Any) -> int:
    """A system, an e-mail channel, two people, and a severity-1 incident: ana leads
    communications and cem commands. Returns the incident id."""
    body = {
        "version": 1,
        "systems": [
            {"name": SYSTEM, "owner": "ops", "risk_tier": "high", "environments": ["prod"]}
        ],
        "channels": [MAIL],
        "routes": [{"name": "updates", "events": ["incident.update_posted"], "channels": ["mail"]}],
        "oncall": PEOPLE,
    }
    apply_data(session, body | extra, actor=ADMIN)
    incident_id = open_incident(session, system=SYSTEM).change.incident_id
    assert incident_id is not None
    roles.assign(session, incident_id, "communications", "ana", COMMANDER)
    roles.assign(session, incident_id, "commander", "cem", COMMANDER)
    return incident_id


def _incident(session: Session, incident_id: int) -> Incident:
    found = session.get(Incident, incident_id)
    assert found is not None
    return found


def test_cadence_is_due_then_overdue_and_an_update_restarts_it(session: Session) -> None:
    incident_id = _configure(session, communications={"cadence": {1: "10m"}})
    incident = _incident(session, incident_id)
    start = incident.detected_at
    early = cadence.of(session, incident, start + timedelta(minutes=9))
    assert (early.interval_s, early.next_due, early.overdue) == (
        600,
        start + timedelta(minutes=10),
        False,
    )
    late = cadence.of(session, incident, start + timedelta(minutes=11))
    assert (late.overdue, late.overdue_s) == (True, 60)

    posted = service.post(session, incident_id, COMMANDER, message="Refunds paused.")
    assert posted.next_due == posted.at + timedelta(minutes=10)
    after = cadence.of(session, incident, posted.at + timedelta(minutes=9))
    assert (after.last_update_at, after.next_due, after.overdue) == (
        posted.at,
        posted.at + timedelta(minutes=10),
        False,
    )
    entry = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.id.desc())
    ).first()
    assert entry is not None
    assert (entry.kind, entry.message) == ("update", "Refunds paused.")
    queued = session.scalars(
        select(Notification).where(Notification.event == "incident.update_posted")
    ).all()
    assert [(n.channel, n.message["summary"]) for n in queued] == [("mail", "Refunds paused.")]


def test_a_status_page_template_fills_the_update_from_the_incident(session: Session) -> None:
    incident_id = _configure(session)
    posted = service.post(
        session, incident_id, COMMANDER, message="Refunds paused.", template="identified"
    )
    due = (posted.at + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M UTC")
    assert posted.text == (
        "**Identified** — Refunds issued without approval\n"
        "The cause of the incident affecting support-bot has been identified and a fix is "
        "under way (severity 1, status detected).\n\n"
        "Refunds paused.\n\n"
        f"Next update by {due}.\n"
    )


def test_overdue_reminds_the_communications_lead_then_the_commander_once_each(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session, session.begin():
        incident_id = _configure(
            session, communications={"cadence": {1: "10m"}, "escalate_after": "5m"}
        )
        start = _incident(session, incident_id).detected_at
    due = start + timedelta(minutes=10)
    clock = [due + timedelta(minutes=1)]
    task = UpdateReminderTask(session_factory, clock=lambda: clock[0])
    task.tick()
    task.tick()  # the same overdue period: nobody is reminded twice
    clock[0] = due + timedelta(minutes=6)
    task.tick()
    task.tick()
    with session_factory() as session:
        rows = session.scalars(
            select(Notification)
            .where(Notification.event == reminders.REMINDED)
            .order_by(Notification.id)
        ).all()
        assert [(n.channel, n.recipient) for n in rows] == [
            ("mail", "ana@example.com"),
            ("mail", "cem@example.com"),
        ]
        when = due.strftime("%Y-%m-%d %H:%M UTC")
        lines = session.scalars(
            select(TimelineEntry.message).where(
                TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "reminder"
            )
        ).all()
        assert lines == [
            f"Update overdue since {when}: reminded ana (communications lead) by e-mail",
            f"Update overdue since {when}: reminded cem (commander) by e-mail",
        ]
    # An update starts a new period: the next miss reminds again.
    with session_factory() as session, session.begin():
        posted = service.post(session, incident_id, COMMANDER, message="Still paused.")
    clock[0] = posted.at + timedelta(minutes=11)
    task.tick()
    with session_factory() as session:
        count = len(
            session.scalars(
                select(Notification).where(Notification.event == reminders.REMINDED)
            ).all()
        )
    assert count == 3


def test_the_dispatcher_writes_each_delivered_message_to_the_ledger(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(EmailChannel, "_deliver", lambda self, mail: {})
    with session_factory() as session, session.begin():
        incident_id = _configure(session)
        service.post(session, incident_id, COMMANDER, message="Refunds paused.")
    Dispatcher(session_factory, linger_s=0).run_once()
    with session_factory() as session:
        row = session.scalars(
            select(Notification).where(Notification.event == "incident.update_posted")
        ).one()
        channel = EmailChannel(
            "mail",
            smtp_host="127.0.0.1",
            sender="bw@example.com",
            to=["ops@example.com"],
            starttls=False,
        )
        expected = channel.transcript(Message.from_json(row.message), idempotency_key="")
        entries = ledger.for_incident(session, incident_id)
        assert [(e.kind, e.channel, e.recipient, e.ref) for e in entries] == [
            ("update", "mail", "channel destination", f"notification:{row.id}")
        ]
        assert entries[0].text == expected
        assert entries[0].text.startswith(
            "Subject: SEV1 support-bot: Refunds issued without approval\nTo: ops@example.com\n\n"
        )
        assert entries[0].sha256 == hashlib.sha256(expected.encode()).hexdigest()
        assert ledger.verify(session, incident_id) == ledger.Verified(1, [])
        entries[0].text += " (edited)"
        session.flush()
        assert ledger.verify(session, incident_id) == ledger.Verified(1, [entries[0].id])


def _traces(session: Session, users: list[str], at: datetime) -> None:
    for index, user in enumerate(users):
        session.add(
            Trace(event_id=f"e{index}", trace_id=f"t{index}", system=SYSTEM, environment="prod",
                  at=at, received_at=at, user_id=user, decision="allow", outcome="ok",
                  fired_actions='[["refund", false]]',
                  payload={"actions": [{"name": "refund", "status": "fired", "reversible": False}]})
        )  # fmt: skip
    session.flush()


def test_the_notice_rule_defaults_to_severity_one_that_reached_users(session: Session) -> None:
    incident_id = _configure(session)
    incident = _incident(session, incident_id)
    assert notices.draft(session, incident_id).rule == notices.Rule(
        False, "0 affected user(s), fewer than the rule's 1"
    )
    _traces(session, ["u2", "u1", "u2"], incident.started_at)
    made = notices.draft(session, incident_id)
    assert made.rule == notices.Rule(True, "severity 1 reached 2 user(s)")
    assert (made.radius.users, made.radius.traces, made.radius.irreversible_actions) == (2, 3, 3)
    assert "2 user(s) received answers from support-bot" in made.text
    assert "3 action(s) taken on them could not be undone automatically" in made.text
    apply_data(
        session, {"version": 1, "communications": {"notice": {"severities": [2]}}}, actor=ADMIN
    )
    assert notices.draft(session, incident_id).rule == notices.Rule(
        False, "severity 1 is not in the notice rule (2)"
    )


def test_sending_and_exporting_a_notice_is_recorded_in_the_ledger(session: Session) -> None:
    incident_id = _configure(session)
    _traces(session, ["u2", "u1"], _incident(session, incident_id).started_at)
    with pytest.raises(Forbidden):
        notices.export(session, incident_id, Actor(name="rita", role=Role.responder))
    made, users = notices.export(session, incident_id, COMMANDER)
    assert (made.radius.users, users) == (2, ["u1", "u2"])
    notices.mark_sent(session, incident_id, COMMANDER, channels=["email", "in-app"])
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.incident_id == incident_id).order_by(LedgerEntry.id)
    ).all()
    assert [(e.kind, e.channel, e.recipient, e.actor) for e in entries] == [
        ("notice", "export", "2 affected user(s)", "lead"),
        ("notice", "email", "2 affected user(s)", "lead"),
        ("notice", "in-app", "2 affected user(s)", "lead"),
    ]
    assert {e.sha256 for e in entries} == {hashlib.sha256(made.text.encode()).hexdigest()}
    timeline = session.scalars(
        select(TimelineEntry.message).where(
            TimelineEntry.incident_id == incident_id, TimelineEntry.kind == "notice"
        )
    ).all()
    assert timeline == [
        "Notice to 2 affected user(s) exported",
        "Notice to 2 affected user(s) sent by email, in-app",
    ]


def test_the_section_plans_create_then_unchanged_then_update(session: Session) -> None:
    body = {"version": 1, "communications": {"cadence": {1: "15m"}}}

    def steps(document: dict[str, Any]) -> list[tuple[str, str]]:
        plan = apply_data(session, document, actor=ADMIN)
        return [
            (i.action.value, i.kind.value) for i in plan.items if i.kind.value == "communications"
        ]

    assert steps(body) == [("create", "communications")]
    assert steps(body) == [("unchanged", "communications")]
    assert steps({"version": 1}) == [("unmanaged", "communications")]
    changed = apply_data(
        session, {"version": 1, "communications": {"cadence": {1: "20m"}}}, actor=ADMIN
    )
    item = next(i for i in changed.items if i.kind.value == "communications")
    assert dict(item.changes) == {
        "cadence": ({"1": 900, "2": 3600, "3": 14400}, {"1": 1200, "2": 3600, "3": 14400})
    }
