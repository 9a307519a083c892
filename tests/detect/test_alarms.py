"""Alarm -> incident: one open incident per system, joins, repeats, severity from the monitor."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from blastwall.changes.models import AuditEntry
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.detect import alarms as grouping
from blastwall.detect.engine import Engine
from blastwall.detect.monitors.evidence import Evidence
from blastwall.detect.monitors.models import Monitor
from blastwall.detect.monitors.runtime import Config
from blastwall.incidents import service as incidents_service
from blastwall.incidents.enums import Harm
from blastwall.incidents.schemas import IncidentCreate
from tests.detect.engine_factories import (
    ADMIN,
    LABELS,
    T0,
    Factory,
    add_monitor,
    alarms,
    call,
    incidents,
    labels,
    push,
    register,
    tick,
)

REFUSAL = "I'm sorry, but I can't help with that."


def evidence(change_at: datetime, description: str = "rate 0.01 -> 0.1") -> Evidence:
    return Evidence(
        observed_at=change_at + timedelta(seconds=5),
        trace_id="trace-9",
        change_at=change_at,
        change_observations=120,
        change_bounded=False,
        description=description,
        baseline={"rate": 0.01},
        current={"rate": 0.1, "observations": 120},
        threshold=12.5,
        false_alarm_rate=1e-5,
        samples=["trace-3", "trace-9"],
        reference={"detector": "RateShift", "params": {}, "baseline": [99, 1], "labels": []},
    )


def config(factory: Factory, name: str) -> Config:
    with factory() as session:
        monitor = session.scalar(select(Monitor).where(Monitor.name == name))
        assert monitor is not None
        _ = monitor.system
        return Config.of(monitor)


def record(
    factory: Factory, name: str, change_at: datetime, crossings: int = 1
) -> tuple[int, bool]:
    with unit_of_work(factory) as session:
        alarm, new = grouping.record(
            session, config(factory, name), evidence(change_at), crossings=crossings, now=utcnow()
        )
        return alarm.id, new


def test_second_monitor_joins_the_open_incident_and_moves_its_start_earlier(
    session_factory: Factory,
) -> None:
    register(session_factory)
    add_monitor(session_factory, "refusals", "refusal_rate")
    add_monitor(session_factory, "lengths", "response_length")
    first, _ = record(session_factory, "refusals", T0 + timedelta(minutes=10))
    second, new = record(session_factory, "lengths", T0 + timedelta(minutes=4))
    assert new is True
    [incident] = incidents(session_factory)
    assert [a.incident_id for a in alarms(session_factory)] == [incident.id, incident.id]
    assert incident.started_at == T0 + timedelta(minutes=4)
    assert [(e.kind, e.actor) for e in incident.timeline] == [
        ("opened", "detection-engine"),
        ("alarm", "detection-engine"),
        ("update", "detection-engine"),
        ("alarm", "detection-engine"),
    ]
    with session_factory() as session:
        update_seq = session.scalar(
            select(AuditEntry.seq).where(AuditEntry.action == "incident.update")
        )
    assert incident.timeline[2].data == {
        "changes": {
            "started_at": [
                (T0 + timedelta(minutes=10)).isoformat(),
                (T0 + timedelta(minutes=4)).isoformat(),
            ]
        },
        "audit_seq": update_seq,
    }
    assert incident.timeline[3].data["alarm_id"] == second
    assert incident.timeline[3].message == "Monitor lengths alarmed: rate 0.01 -> 0.1"
    assert first != second


def test_a_monitor_that_crosses_again_adds_repeats_not_alarms(session_factory: Factory) -> None:
    register(session_factory)
    add_monitor(session_factory, "refusals", "refusal_rate")
    first, _ = record(session_factory, "refusals", T0, crossings=2)
    again, new = record(session_factory, "refusals", T0 + timedelta(minutes=1), crossings=3)
    assert (again, new) == (first, False)
    [alarm] = alarms(session_factory)
    assert alarm.repeats == 4
    assert alarm.last_repeat_at is not None
    [incident] = incidents(session_factory)
    assert [e.kind for e in incident.timeline] == ["opened", "alarm"]


def test_after_the_incident_is_resolved_a_new_alarm_opens_a_new_incident(
    session_factory: Factory,
) -> None:
    register(session_factory)
    add_monitor(session_factory, "refusals", "refusal_rate")
    record(session_factory, "refusals", T0)
    [old] = incidents(session_factory)
    with unit_of_work(session_factory) as session:
        incidents_service.transition(session, old.id, "resolved", ADMIN, note="false alarm")
    _, new = record(session_factory, "refusals", T0 + timedelta(hours=1))
    assert new is True
    assert [i.status for i in incidents(session_factory)] == ["resolved", "detected"]
    assert [a.incident_id for a in alarms(session_factory)] == [old.id, old.id + 1]


def test_declared_harm_and_classes_set_the_severity_through_the_matrix(
    session_factory: Factory,
) -> None:
    register(session_factory, irreversible=True)
    add_monitor(
        session_factory,
        "refunds",
        "action_rate",
        params={"action": "issue_refund"},
        harm="moderate",
        classes=["integrity", "compliance"],
    )
    record(session_factory, "refunds", T0)
    [incident] = incidents(session_factory)
    # moderate harm with an irreversible action: severity 1 in the default matrix.
    assert (incident.harm, incident.reversibility, incident.severity) == (
        "moderate",
        "irreversible",
        1,
    )
    assert incident.classes == ["integrity", "compliance"]


def test_a_joining_alarm_with_harsher_harm_raises_the_incident(session_factory: Factory) -> None:
    register(session_factory)
    add_monitor(session_factory, "lengths", "response_length")
    add_monitor(session_factory, "pii", "filter_hit_rate", harm="major", classes=["privacy"])
    record(session_factory, "lengths", T0)
    assert incidents(session_factory)[0].severity == 3
    record(session_factory, "pii", T0 + timedelta(minutes=1))
    [incident] = incidents(session_factory)
    assert (incident.harm, incident.severity, incident.classes) == ("major", 2, ["privacy"])


def test_an_alarm_joins_an_incident_a_person_opened(session_factory: Factory) -> None:
    register(session_factory)
    add_monitor(session_factory, "refusals", "refusal_rate")
    with unit_of_work(session_factory) as session:
        opened = incidents_service.open(
            session,
            IncidentCreate(title="customers complain", system="refund-bot", harm=Harm.minor),
            ADMIN,
        )
        opened_id = opened.id
    record(session_factory, "refusals", T0)
    [incident] = incidents(session_factory)
    assert incident.id == opened_id
    # The alarm dates the failure: the start moves back to the estimated change.
    assert [e.kind for e in incident.timeline] == ["opened", "update", "alarm"]
    assert (incident.title, incident.started_at) == ("customers complain", T0)


def test_two_monitors_alarming_in_one_tick_open_one_incident(session_factory: Factory) -> None:
    register(session_factory)
    add_monitor(
        session_factory,
        "fraud-share",
        "output_category",
        params={"categories": list(LABELS)},
        reference={"observations": 2000},
    )
    add_monitor(session_factory, "refusals", "refusal_rate", reference={"observations": 2000})
    stream = labels(4000, 3000)
    events = [
        call(
            i,
            label=label,
            output=REFUSAL if (i % 10 == 0 if i >= 3000 else i % 100 == 0) else label,
        )
        for i, label in enumerate(stream)
    ]
    push(session_factory, events[:3000])
    engine = Engine(settle_s=0)
    tick(session_factory, engine)
    push(session_factory, events[3000:])
    report = tick(session_factory, engine)
    assert len(report.alarms) == 2
    [incident] = incidents(session_factory)
    fraud, refusals = alarms(session_factory)
    assert (fraud.monitor, refusals.monitor) == ("fraud-share", "refusals")
    assert fraud.incident_id == refusals.incident_id == incident.id
    # The refusals' change is estimated earlier (at 3000, the fraud share's 43 calls late),
    # so the incident's start moves back to it.
    assert (fraud.change_at, refusals.change_at) == (
        T0 + timedelta(milliseconds=3043),
        T0 + timedelta(milliseconds=3000),
    )
    assert [e.kind for e in incident.timeline] == ["opened", "alarm", "update", "alarm"]
    assert incident.started_at == refusals.change_at
