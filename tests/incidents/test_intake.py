"""The one intake: monitor alarms and alerts join one incident; the policy lives here."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.alerts import rules
from blastwall.alerts.rules import AlertRule
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.detect import alarms
from blastwall.incidents import intake
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm, IncidentClass, Status
from tests.alerts.factories import am_alert, am_payload
from tests.conftest import make_token
from tests.detect.engine_factories import SYSTEM, add_monitor, register
from tests.detect.test_alarms import config, evidence

Factory = sessionmaker[Session]
SENDER = Actor(name="am", role=Role.alerts)
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def signal(key: str, **fields: object) -> intake.Signal:
    values: dict[str, object] = {
        "source": intake.Source.alert,
        "key": key,
        "system": SYSTEM,
        "title": f"alert {key}",
        "message": f"Alert {key} firing",
        "action": "alert.firing",
        "started_at": T0,
        "received_at": T0 + timedelta(minutes=5),
    }
    values.update(fields)
    return intake.Signal(**values)  # type: ignore[arg-type]


def test_a_monitor_alarm_and_an_alert_for_one_system_join_one_incident(
    session_factory: Factory, app_client: TestClient, admin_token: str
) -> None:
    register(session_factory)
    add_monitor(session_factory, "refusals", "refusal_rate")
    monitor = config(session_factory, "refusals")
    with unit_of_work(session_factory) as session:
        rules.replace(session, [AlertRule(match={"service": "refunds"}, system=SYSTEM)], SENDER)
        alarm, _ = alarms.record(session, monitor, evidence(T0), crossings=1, now=utcnow())
        alarm_id = alarm.id
    token = make_token(session_factory, "am", Role.alerts)
    sent = app_client.post(
        "/api/v1/alerts/alertmanager",
        json=am_payload(am_alert("fp-a")),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.json()["alerts"][0]["outcome"] == "joined"
    found = app_client.get(
        "/api/v1/incidents/1/signals", headers={"Authorization": f"Bearer {admin_token}"}
    ).json()["items"]
    assert [(s["source"], s["key"], s["actor"]) for s in found] == [
        ("monitor", "1", "detection-engine"),
        ("alertmanager", "fp-a", "am"),
    ]
    assert found[0]["evidence"]["alarm_id"] == alarm_id
    timeline = app_client.get(
        "/api/v1/incidents/1", headers={"Authorization": f"Bearer {admin_token}"}
    ).json()["timeline"]
    assert [e["kind"] for e in timeline] == ["opened", "alarm", "alert"]


def test_a_harsher_signal_raises_the_incidents_harm_and_adds_its_classes(
    session_factory: Factory,
) -> None:
    register(session_factory)
    with unit_of_work(session_factory) as session:
        first = intake.receive(session, signal("a"), SENDER)
        second = intake.receive(
            session,
            signal(
                "b",
                harm=Harm.major,
                classes=[IncidentClass.privacy],
                started_at=T0 - timedelta(minutes=3),
            ),
            SENDER,
        )
        assert (first.opened, second.opened, second.incident_id) == (True, False, first.incident_id)
        incident = incidents.get(session, first.incident_id)
        assert (incident.harm, incident.classes, incident.severity) == ("major", ["privacy"], 2)
        assert incident.started_at == T0 - timedelta(minutes=3)


def test_a_resolved_signal_that_fires_again_is_a_repeat_and_fires_again(
    session_factory: Factory,
) -> None:
    register(session_factory)
    with unit_of_work(session_factory) as session:
        intake.receive(session, signal("a"), SENDER)
        done = intake.resolve(
            session,
            intake.Source.alert,
            "a",
            at=T0,
            actor=SENDER,
            message="ok",
            may_resolve=False,
            after={},
        )
        assert (done.incident_id, done.resolved_incident) == (1, False)
        again = intake.receive(session, signal("a"), SENDER)
        assert (again.repeat, again.signal_id) == (True, done.signal_id)
        [row] = intake.list_signals(session, 1).items
        assert (row.status, row.repeats, row.resolved_at) == ("firing", 1, None)


def test_a_resolved_incident_takes_no_more_signals(session_factory: Factory) -> None:
    register(session_factory)
    with unit_of_work(session_factory) as session:
        first = intake.receive(session, signal("a"), SENDER)
        incidents.transition(session, first.incident_id, Status.resolved, SENDER)
        again = intake.receive(session, signal("a"), SENDER)
        assert (again.opened, again.repeat, again.incident_id) == (True, False, 2)


def test_severity_picks_the_least_harm_the_matrix_puts_at_it(session_factory: Factory) -> None:
    register(session_factory, "plain")
    register(session_factory, "refunds", irreversible=True)
    with unit_of_work(session_factory) as session:
        assert [intake.harm_for_severity(session, "plain", s) for s in (1, 2, 3)] == [
            Harm.severe,
            Harm.moderate,
            Harm.none,
        ]
        assert [intake.harm_for_severity(session, "refunds", s) for s in (1, 2, 3)] == [
            Harm.moderate,
            Harm.minor,
            Harm.none,
        ]


def test_signals_racing_for_one_system_open_one_incident(session_factory: Factory) -> None:
    register(session_factory)
    threads = 4
    start = threading.Barrier(threads)

    def worker(index: int) -> bool:
        start.wait()
        with unit_of_work(session_factory) as session:
            return intake.receive(session, signal(f"k{index}"), SENDER).opened

    with ThreadPoolExecutor(threads) as pool:
        opened = sorted(pool.map(worker, range(threads)))
    assert opened == [False, False, False, True]
    with session_factory() as session:
        assert sorted(s.key for s in intake.list_signals(session, 1).items) == [
            "k0",
            "k1",
            "k2",
            "k3",
        ]
