"""The outbox: a change that matches a route queues exactly one row per channel, atomically."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes import Change, record
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm
from blastwall.incidents.schemas import IncidentCreate
from blastwall.notify.message import Message
from blastwall.notify.models import Notification
from tests.notify.support import RESPONDER, SYSTEM, configure, document, open_incident

TWO_CHANNELS = [
    {"name": "hook", "type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
    {"name": "chat", "type": "slack", "webhook_url_env": "CHAT_URL"},
]


def _rows(factory: sessionmaker[Session]) -> list[Notification]:
    with factory() as session:
        return list(session.scalars(select(Notification).order_by(Notification.channel)))


def test_matching_change_queues_one_row_per_channel_in_its_transaction(
    session_factory: sessionmaker[Session],
) -> None:
    routes = [
        {"name": "all", "events": ["incident.opened"], "channels": ["hook", "chat"]},
        {"name": "again", "events": ["incident.opened"], "channels": ["hook"]},
    ]
    with session_factory() as session, session.begin():
        configure(session, document(channels=TWO_CHANNELS, routes=routes))
    with session_factory() as session, session.begin():
        opened = open_incident(session)
        queued = session.scalars(select(Notification)).all()
        assert len(queued) == 2  # visible inside the change's own transaction
    rows = _rows(session_factory)
    assert [(r.channel, r.change_seq, r.event, r.status, r.attempts) for r in rows] == [
        ("chat", opened.audit_seq, "incident.opened", "pending", 0),
        ("hook", opened.audit_seq, "incident.opened", "pending", 0),
    ]
    message = Message.from_json(rows[1].message)
    assert (message.key, message.system, message.severity, message.summary) == (
        f"incident-{opened.change.incident_id}",
        SYSTEM,
        1,
        "opened at severity 1",
    )
    assert (rows[0].deadline - rows[0].created_at).total_seconds() == 3600


def test_rolled_back_change_leaves_no_notification(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, session.begin():
        configure(session)
    with session_factory() as session:
        session.begin()
        open_incident(session)
        session.rollback()
    assert _rows(session_factory) == []


@pytest.mark.parametrize(
    ("route", "severity", "queued"),
    [
        ({"severity": [1, 2]}, 1, 1),
        ({"severity": [2, 3]}, 1, 0),
        ({"systems": [SYSTEM]}, 3, 1),
        ({"events": ["incident.resolved"]}, 1, 0),
    ],
)
def test_routes_filter_by_event_system_and_severity(
    session_factory: sessionmaker[Session], route: dict[str, object], severity: int, queued: int
) -> None:
    spec = {"name": "r", "events": ["incident.opened"], "channels": ["hook"], **route}
    with session_factory() as session, session.begin():
        configure(session, document(routes=[spec]))
    with session_factory() as session, session.begin():
        open_incident(session, severity=severity)
    assert len(_rows(session_factory)) == queued


def test_resolution_is_routed_as_incident_resolved(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, session.begin():
        configure(session)
        opened = open_incident(session)
        record(
            session,
            Change(
                action="incident.transition",
                target=opened.change.target,
                actor=RESPONDER,
                before={"status": "mitigated"},
                after={"status": "resolved"},
                incident_id=opened.change.incident_id,
            ),
        )
    assert [r.event for r in _rows(session_factory)] == ["incident.opened", "incident.resolved"]


def test_notification_changes_are_never_routed(session_factory: sessionmaker[Session]) -> None:
    everything = [{"name": "all", "events": ["incident.opened", "lever.*"], "channels": ["hook"]}]
    with session_factory() as session, session.begin():
        configure(session, document(routes=everything))
        for action in ("notification.delivered", "notification.failed", "config.apply"):
            record(session, Change(action=action, target="notification/1", actor=RESPONDER))
    assert _rows(session_factory) == []


def test_the_incident_service_queues_opened_acknowledged_contained_and_resolved(
    session_factory: sessionmaker[Session],
) -> None:
    events = ["incident.opened", "incident.acknowledged", "incident.status_changed",
              "incident.resolved"]  # fmt: skip
    route = {"name": "all", "events": events, "channels": ["hook"]}
    with session_factory() as session, session.begin():
        configure(session, document(routes=[route]))
        body = IncidentCreate(title="Refunds without approval", harm=Harm.major, system=SYSTEM)
        incident = incidents.open(session, body, RESPONDER)
        incidents.acknowledge(session, incident.id, RESPONDER)
        incidents.transition(session, incident.id, "contained", RESPONDER)
        incidents.resolve(session, incident.id, RESPONDER)
    rows = sorted(_rows(session_factory), key=lambda r: r.change_seq)
    assert [(r.event, r.incident_id) for r in rows] == [
        ("incident.opened", incident.id),
        ("incident.acknowledged", incident.id),
        ("incident.status_changed", incident.id),
        ("incident.resolved", incident.id),
    ]
    resolved = Message.from_json(rows[-1].message)
    assert (resolved.status, resolved.severity, resolved.system) == ("resolved", 2, SYSTEM)
