"""An accuracy drop measured by reviewers alarms through the engine like any other monitor."""

from __future__ import annotations

import numpy as np

from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine
from blastwall.incidents import service as incidents_service
from blastwall.incidents.enums import Harm
from blastwall.incidents.schemas import IncidentCreate
from blastwall.review import service
from blastwall.review.enums import Verdict
from tests.detect.engine_factories import add_monitor, alarms, incidents, state, tick
from tests.review.factories import ADMIN, Factory, calls, configure, items, queue, register

REFERENCE = 200
CHANGE = 400  # the share marked incorrect moves from 5% to 30% at this verdict
ACCURACY = {"reference": {"observations": REFERENCE}, "false_alarm_rate": 1e-4}


def verdicts(n: int, seed: int = 3) -> list[Verdict]:
    rng = np.random.default_rng(seed)
    wrong = rng.random(n) < np.where(np.arange(n) < CHANGE, 0.05, 0.30)
    return [Verdict.incorrect if w else Verdict.correct for w in wrong]


def review_all(factory: Factory, stream: list[Verdict], *, first: int = 0) -> None:
    """Reviewers mark the queue oldest first with the given verdicts."""
    queued = items(factory)[first : first + len(stream)]
    with unit_of_work(factory) as session:
        for item, verdict in zip(queued, stream, strict=True):
            service.mark(session, item.id, verdict, "ana")


def _setup(factory: Factory) -> int:
    register(factory)
    configure(factory, 1.0)
    monitor_id = add_monitor(factory, "accuracy", "review_accuracy", **ACCURACY)
    assert queue(factory, calls(800)).queued == 800
    return monitor_id


def test_an_accuracy_drop_alarms_and_opens_an_incident(session_factory: Factory) -> None:
    monitor_id = _setup(session_factory)
    engine = Engine(settle_s=0)
    stream = verdicts(800)
    review_all(session_factory, stream[:CHANGE])
    assert (tick(session_factory, engine).observations, alarms(session_factory)) == (CHANGE, [])
    learned = state(session_factory, monitor_id)
    assert (learned.phase, learned.baseline) == ("monitoring", [195, 5])  # correct, incorrect
    review_all(session_factory, stream[CHANGE:], first=CHANGE)
    report = tick(session_factory, engine)
    [alarm] = alarms(session_factory)
    assert report.alarms == [alarm.id]
    assert (alarm.monitor, alarm.signal, alarm.description) == (
        "accuracy",
        "review_accuracy",
        "rate 0.02736 -> 0.1521",
    )
    assert (alarm.trace_id, alarm.change_observations) == ("trace-1-432", 32)
    [incident] = incidents(session_factory)
    assert (incident.id, incident.system.name) == (alarm.incident_id, "refund-bot")
    assert [e.kind for e in incident.timeline] == ["opened", "alarm"]


def test_a_steady_accuracy_raises_no_alarm(session_factory: Factory) -> None:
    _setup(session_factory)
    steady = verdicts(CHANGE) * 2
    review_all(session_factory, steady)
    assert tick(session_factory).alarms == []


def test_an_accuracy_drop_joins_the_systems_open_incident(session_factory: Factory) -> None:
    _setup(session_factory)
    with unit_of_work(session_factory) as session:
        opened = incidents_service.open(
            session,
            IncidentCreate(title="refunds look off", system="refund-bot", harm=Harm.minor),
            ADMIN,
        )
        opened_id = opened.id
    review_all(session_factory, verdicts(800))
    tick(session_factory)
    [alarm] = alarms(session_factory)
    [incident] = incidents(session_factory)
    assert alarm.incident_id == incident.id == opened_id
    assert "alarm" in [e.kind for e in incident.timeline]
