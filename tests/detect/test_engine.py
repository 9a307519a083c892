"""The engine on seeded event streams ingested through the real service: alarms, evidence,
incidents, restarts, bad observations, reference windows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import select

from blastwall.db.engine import make_engine
from blastwall.db.session import make_session_factory, unit_of_work
from blastwall.detect.engine import Engine
from blastwall.detect.monitors import service
from blastwall.detect.monitors.models import EngineCursor
from blastwall.detect.monitors.schemas import MonitorStateRead, MonitorUpdate
from blastwall.registry import releases
from blastwall.registry.models import Surface, System
from blastwall.traces import ingest
from tests.detect.engine_factories import (
    ADMIN,
    LABELS,
    T0,
    Factory,
    add_monitor,
    alarms,
    call,
    classifier_calls,
    incidents,
    monitor,
    push,
    register,
    state,
    tick,
)

FRAUD = {"params": {"categories": list(LABELS)}, "reference": {"observations": 2000}}
CHANGE = 3000  # the fraud share moves from 2% to 9% at this call


def ms(index: int) -> datetime:
    """The event time of call ``index``."""
    return T0 + timedelta(milliseconds=index)


def test_fraud_share_rise_raises_one_alarm_with_evidence_and_opens_one_incident(
    session_factory: Factory,
) -> None:
    register(session_factory)
    monitor_id = add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    engine = Engine(settle_s=0)
    push(session_factory, classifier_calls(3000, CHANGE))
    first = tick(session_factory, engine)
    assert (first.rows["traces"], first.observations, first.alarms) == (3000, 3000, [])
    push(session_factory, classifier_calls(1500, CHANGE, first=3000))
    second = tick(session_factory, engine)

    [alarm] = alarms(session_factory)
    assert second.alarms == [alarm.id]
    assert (alarm.system, alarm.monitor, alarm.signal) == (
        "refund-bot",
        "fraud-share",
        "output_category",
    )
    assert alarm.observed_at == ms(3208)
    assert alarm.trace_id == "trace-3208"
    assert alarm.change_at == ms(3043)  # the change is at 3000: estimated 43 calls late
    assert alarm.change_observations == 166
    assert alarm.description == "share of 'fraud' 0.01973 -> 0.1316"
    assert alarm.baseline == {
        "approve": 0.796953,
        "refund": 0.106144,
        "fraud": 0.01973,
        "escalate": 0.077173,
    }
    assert alarm.current == {
        "approve": 0.722892,
        "refund": 0.096386,
        "fraud": 0.120482,
        "escalate": 0.060241,
        "observations": 166,
    }
    # Fraud-labelled calls from the changed stretch, evenly spread.
    assert alarm.sample_trace_ids == [
        "trace-3043",
        "trace-3071",
        "trace-3082",
        "trace-3103",
        "trace-3128",
        "trace-3147",
        "trace-3160",
        "trace-3166",
        "trace-3200",
        "trace-3208",
    ]
    assert alarm.repeats == 5  # the CUSUMs restart and cross again while the change lasts
    assert alarm.false_alarm_rate == 1e-5

    [incident] = incidents(session_factory)
    assert alarm.incident_id == incident.id
    assert (incident.title, incident.status, incident.harm, incident.severity) == (
        "refund-bot: fraud-share left its baseline",
        "detected",
        "none",
        3,
    )
    assert incident.system is not None
    assert incident.system.name == "refund-bot"
    assert incident.started_at == alarm.change_at
    assert incident.detected_at == alarm.at
    assert [e.kind for e in incident.timeline] == ["opened", "alarm"]
    entry = incident.timeline[1]
    assert entry.message == "Monitor fraud-share alarmed: share of 'fraud' 0.01973 -> 0.1316"
    assert entry.data["alarm_id"] == alarm.id
    assert entry.data["change_at"] == ms(3043).isoformat()
    assert entry.data["sample_trace_ids"] == alarm.sample_trace_ids
    assert entry.data["current"]["fraud"] == 0.120482
    saved = state(session_factory, monitor_id)
    assert saved.phase == "monitoring"
    assert saved.counts == {"observations": 4500, "fed": 4500, "missing": 0, "bad": {}}


def test_stream_without_change_raises_nothing(session_factory: Factory) -> None:
    register(session_factory)
    monitor_id = add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    push(session_factory, classifier_calls(6000, change=10**9))
    report = tick(session_factory)
    assert (report.observations, report.alarms, report.repeats) == (6000, [], 0)
    assert alarms(session_factory) == []
    assert incidents(session_factory) == []
    assert state(session_factory, monitor_id).summary["baseline"]["fraud"] == 0.01973


def test_restarted_engine_keeps_the_baseline_and_alarms_exactly_once(
    session_factory: Factory, database_url: str
) -> None:
    register(session_factory)
    monitor_id = add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    push(session_factory, classifier_calls(3100, CHANGE))
    tick(session_factory, Engine(settle_s=0))
    before = state(session_factory, monitor_id)
    assert before.summary["n_seen"] == 3100

    # A new process: new database engine, new detection engine, same database.
    restarted_db: SqlEngine = make_engine(database_url)
    factory = make_session_factory(restarted_db)
    try:
        push(factory, classifier_calls(1400, CHANGE, first=3100))
        report = tick(factory, Engine(settle_s=0))
        [alarm] = alarms(factory)
        # Exactly what one uninterrupted engine raised (the first test): the CUSUMs carried
        # over, and the change estimate reaches back into rows read before the restart.
        assert report.alarms == [alarm.id]
        assert (alarm.trace_id, alarm.change_at, alarm.repeats) == ("trace-3208", ms(3043), 5)
        after = state(factory, monitor_id)
        assert after.baseline == before.baseline
        assert after.summary["baseline"] == before.summary["baseline"]
        assert after.summary["n_seen"] == 4500

        # Another restart with nothing new: no alarm again, nothing fed twice.
        again = tick(factory, Engine(settle_s=0))
        assert (again.observations, again.alarms, again.repeats) == (0, [], 0)
        # More of the changed stream joins the same alarm and incident as repeats.
        push(factory, classifier_calls(1000, CHANGE, first=4500))
        more = tick(factory, Engine(settle_s=0))
        assert (more.alarms, more.repeats) == ([], 5)
        assert len(alarms(factory)) == 1
        assert len(incidents(factory)) == 1
        assert alarms(factory)[0].repeats == 10
    finally:
        restarted_db.dispose()


def test_bad_and_missing_values_are_counted_and_never_fed(session_factory: Factory) -> None:
    register(session_factory)
    category = add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    amount = add_monitor(
        session_factory,
        "amount",
        "input_numeric",
        params={"attribute": "amount"},
        reference={"observations": 100},
        false_alarm_rate=1e-3,
    )
    ghost = add_monitor(
        session_factory,
        "ghost",
        "input_numeric",
        params={"attribute": "never-sent"},
        reference={"observations": 100},
        false_alarm_rate=1e-3,
    )
    odd = ["not a number", True, [1, 2], {"x": 1}, None]
    events = [
        call(
            i,
            label="fraud!!" if i % 50 == 0 else None if i % 50 == 1 else "approve",
            attributes={"amount": odd[i // 10 % 5] if i % 10 == 0 else -3.5 + i % 7},
        )
        for i in range(500)
    ]
    push(session_factory, events)
    report = tick(session_factory)
    assert report.alarms == []

    labels = state(session_factory, category)
    assert labels.counts == {
        "observations": 480,
        "fed": 480,
        "missing": 10,
        "bad": {"unknown category": 10},
    }
    numbers = state(session_factory, amount)
    # 50 calls sent an odd amount: 40 are not numbers, 10 were null (missing).
    assert numbers.counts == {
        "observations": 450,
        "fed": 450,
        "missing": 10,
        "bad": {"not a number": 40},
    }
    assert numbers.phase == "monitoring"
    never = state(session_factory, ghost)
    assert never.counts == {"observations": 0, "fed": 0, "missing": 500, "bad": {}}
    assert never.phase == "learning"
    read = MonitorStateRead.of(never, enabled=True)
    assert read.message == (
        "no observation yet: 500 watched call(s) lacked the field this signal reads; check "
        "the signal and its params against what the SDK sends"
    )


def test_without_a_known_good_release_a_new_release_restarts_the_reference_window(
    session_factory: Factory,
) -> None:
    register(session_factory)
    with unit_of_work(session_factory) as session:
        system = session.scalar(select(System).where(System.name == "refund-bot"))
        assert system is not None
        system.surfaces.append(Surface(name="prompt", kind="prompt"))
        session.flush()
        releases.create_release(
            session, "refund-bot", name="r1", surfaces={"prompt": {"v": 1}}, actor=ADMIN
        )
        releases.activate(session, "refund-bot", "r1", environment="prod", actor=ADMIN)
    monitor_id = add_monitor(
        session_factory, "fraud-share", "output_category", environment="prod", **FRAUD
    )
    engine = Engine(settle_s=0)
    push(session_factory, classifier_calls(2500, change=10**9))
    tick(session_factory, engine)
    assert state(session_factory, monitor_id).summary["learned"] == 2000

    with unit_of_work(session_factory) as session:
        releases.create_release(
            session, "refund-bot", name="r2", surfaces={"prompt": {"v": 2}}, actor=ADMIN
        )
        releases.activate(session, "refund-bot", "r2", environment="staging", actor=ADMIN)
    push(session_factory, classifier_calls(100, change=10**9, first=2500))
    tick(session_factory, engine)
    assert state(session_factory, monitor_id).summary["learned"] == 2000  # staging: not ours

    with unit_of_work(session_factory) as session:
        releases.activate(session, "refund-bot", "r2", environment="prod", actor=ADMIN)
    push(session_factory, classifier_calls(300, change=10**9, first=2600))
    tick(session_factory, engine)
    restarted = state(session_factory, monitor_id)
    assert (restarted.phase, restarted.summary["learned"]) == ("learning", 300)
    assert restarted.message == (
        "release r2 became active; no known-good baseline: mark a release known-good to keep "
        "its baseline; learning its baseline"
    )
    assert (restarted.summary["baseline_release"], restarted.summary["known_good_baseline"]) == (
        "r2",
        False,
    )


def test_pinned_reference_learns_from_its_range_then_watches(session_factory: Factory) -> None:
    register(session_factory)
    monitor_id = add_monitor(
        session_factory,
        "fraud-share",
        "output_category",
        params={"categories": list(LABELS)},
        reference={"kind": "pinned", "start": T0.isoformat(), "end": ms(2000).isoformat()},
    )
    push(session_factory, classifier_calls(3000, CHANGE))
    tick(session_factory)
    fitted = state(session_factory, monitor_id)
    assert (fitted.phase, fitted.summary["reference"]) == ("monitoring", 2000)
    assert fitted.message == "baseline learned from 2000 observations in the pinned range"
    assert fitted.counts["observations"] == 3000
    push(session_factory, classifier_calls(1500, CHANGE, first=3000))
    tick(session_factory)
    # The same 2000 calls as the release-mode reference: the same alarm.
    [alarm] = alarms(session_factory)
    assert (alarm.trace_id, alarm.change_at) == ("trace-3208", ms(3043))


def test_pinned_range_with_too_few_observations_says_how_to_fix_it(
    session_factory: Factory,
) -> None:
    register(session_factory)
    monitor_id = add_monitor(
        session_factory,
        "fraud-share",
        "output_category",
        reference={"kind": "pinned", "start": T0.isoformat(), "end": ms(5).isoformat()},
    )
    push(session_factory, classifier_calls(100, change=10**9))
    tick(session_factory)
    failed = state(session_factory, monitor_id)
    assert failed.phase == "error"
    assert failed.message == (
        "the pinned reference range holds 5 observation(s); at least 10 are needed: widen "
        "the range (reference.start/end)"
    )


def test_changed_settings_start_a_new_baseline(session_factory: Factory) -> None:
    register(session_factory)
    monitor_id = add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    engine = Engine(settle_s=0)
    push(session_factory, classifier_calls(2500, change=10**9))
    tick(session_factory, engine)
    with unit_of_work(session_factory) as session:
        patch = MonitorUpdate(reference={"observations": 500})
        service.update(session, "refund-bot", "fraud-share", patch, ADMIN)
    assert monitor(session_factory, monitor_id).config_version == 2
    push(session_factory, classifier_calls(100, change=10**9, first=2500))
    tick(session_factory, engine)
    relearning = state(session_factory, monitor_id)
    assert (relearning.phase, relearning.summary["learned"], relearning.summary["reference"]) == (
        "learning",
        100,
        500,
    )
    assert relearning.message == "settings changed: learning a new baseline"


def test_first_monitor_starts_the_cursors_at_the_newest_rows(session_factory: Factory) -> None:
    register(session_factory)
    push(session_factory, classifier_calls(20, change=10**9))
    assert Engine().run_once(session_factory).skipped == "no monitor was ever created"
    add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    with session_factory() as session:
        cursors = {c.name: c.last_id for c in session.scalars(select(EngineCursor))}
    assert cursors == {"traces": 20, "trace_feedback": 0}
    assert tick(session_factory).observations == 0  # calls from before the monitor: not watched


@pytest.mark.parametrize("dialect", ["postgres"])
def test_rows_of_a_transaction_still_open_are_never_skipped(session_factory: Factory) -> None:
    register(session_factory)
    add_monitor(session_factory, "fraud-share", "output_category", **FRAUD)
    slow = session_factory()
    slow.begin()
    ingest.ingest(slow, json.dumps([call(0, label="approve")]).encode())  # takes id 1
    push(session_factory, [call(1, label="approve")])  # id 2, committed first
    engine = Engine(settle_s=0)
    try:
        waiting = engine.run_once(session_factory)
        assert waiting.skipped == "the horizon lock was not granted in time"
    finally:
        slow.commit()
        slow.close()
    report = tick(session_factory, engine)
    assert (report.rows["traces"], report.observations) == (2, 2)
