"""Canary sets are versioned and immutable; runs record results and feed the engine; the
scheduler runs due sets; the release gate refuses activation until canaries pass."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries import runs, scheduler, service
from blastwall.canaries.schemas import CanarySetBody
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine
from blastwall.detect.monitors import service as monitor_service
from blastwall.detect.monitors.schemas import MonitorCreate, MonitorRead
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry import releases
from blastwall.traces.models import Trace
from tests.canaries.factories import case, gated_system, put_set, put_target, routing_body
from tests.registry.factories import COMMANDER, RESPONDER, SYSTEM, last_audit, make_system


def test_a_new_body_makes_a_new_version_and_the_same_body_does_not(session: Session) -> None:
    make_system(session)
    first = put_set(session)
    again, created = service.put_set(
        session, SYSTEM, "routing", CanarySetBody.model_validate(routing_body()), COMMANDER
    )
    assert (first.version, again.id, created) == (1, first.id, False)
    second = put_set(session, description="routing, tightened")
    assert second.version == 2
    assert [s.version for s in service.list_versions(session, SYSTEM, "routing").items] == [2, 1]
    assert service.get_set(session, SYSTEM, "routing", 1).description == "routing"
    newest = service.list_sets(session, SYSTEM).items
    assert [(s.name, s.version) for s in newest] == [("routing", 2)]
    assert last_audit(session).action == "canary_set.put"


def test_an_unknown_set_says_how_to_list_them(session: Session) -> None:
    make_system(session)
    with pytest.raises(NotFound) as caught:
        service.get_set(session, SYSTEM, "nope")
    assert caught.value.detail == (
        "support-agent has no canary set 'nope'; `blastwall canary list support-agent` "
        "lists the sets"
    )
    with pytest.raises(InvalidInput, match="canary set name: 'Bad Name' is not a valid name"):
        put_set(session, name="Bad Name")


def test_a_target_environment_must_be_the_systems(session: Session) -> None:
    make_system(session)
    with pytest.raises(InvalidInput, match=r"environment: 'qa' is not one of support-agent's"):
        put_target(session, environment="qa")


def test_running_without_a_target_is_refused(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)
        put_set(session)
    with pytest.raises(Conflict, match="support-agent has no canary target"):
        runs.run_now(session_factory, SYSTEM, set_name=None, release=None, actor=RESPONDER)


def _run(factory: sessionmaker[Session], release: str | None = None) -> list[int]:
    return runs.run_now(factory, SYSTEM, set_name="routing", release=release, actor=RESPONDER)


def test_a_run_against_the_active_release_is_recorded_and_emitted(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory, gate=False)
    [run_id] = _run(session_factory)
    with session_factory() as session:
        run = service.get_run(session, run_id)
        assert (run.release, run.status, run.passed, run.failed, run.emitted) == (
            "v1",
            "passed",
            2,
            0,
            True,
        )
        traces = session.scalars(select(Trace).order_by(Trace.id)).all()
        assert [(t.trace_id, t.environment, t.decision, t.outcome, t.label) for t in traces] == [
            (f"canary-{run_id}-refund", "prod", "proceed", "ok", "refund"),
            (f"canary-{run_id}-hello", "prod", "proceed", "ok", "general"),
        ]
        assert traces[0].payload["actions"] == []
        assert traces[0].payload["attributes"]["canary_set"] == "routing"


def test_a_gate_run_against_a_candidate_is_recorded_but_not_emitted(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory)
    [run_id] = _run(session_factory, "bad-3")
    with session_factory() as session:
        run = service.get_run(session, run_id)
        assert (run.release, run.status, run.failed, run.emitted) == ("bad-3", "failed", 1, False)
        assert run.results[0]["reason"] == "expected label 'refund', got label 'general'"
        assert session.scalar(select(Trace.id)) is None


def test_failed_cases_carry_the_canary_failed_action_for_the_monitor(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory, gate=False)
    with unit_of_work(session_factory) as session:
        put_target(session, callable="tests.canaries.targets:boom")
    _run(session_factory)
    with session_factory() as session:
        trace = session.scalars(select(Trace)).first()
        assert trace is not None
        assert (trace.outcome, trace.payload["actions"]) == (
            "error",
            [
                {
                    "name": "canary_failed",
                    "reversible": True,
                    "status": "fired",
                    "reason": "the callable raised RuntimeError: model backend down",
                }
            ],
        )


def test_the_gate_refuses_an_untested_or_failing_release_and_allows_a_passing_one(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory)
    activate = releases.activate
    with session_factory() as session, pytest.raises(Conflict) as untested:
        activate(session, SYSTEM, "v2", environment="prod", actor=COMMANDER)
    assert str(untested.value) == (
        "release v2 of support-agent cannot be activated: the release gate requires its "
        "canaries to pass (routing v1 has not been run against v2). Run them with `blastwall "
        "canary run support-agent --release v2`, fix what fails, and activate again"
    )
    [bad_run] = _run(session_factory, "bad-3")
    with (
        session_factory() as session,
        pytest.raises(Conflict, match=rf"routing v1 failed refund \(run {bad_run}\)"),
    ):
        activate(session, SYSTEM, "bad-3", environment="prod", actor=COMMANDER)
    _run(session_factory, "v2")
    with unit_of_work(session_factory) as session:
        deployment = activate(session, SYSTEM, "v2", environment="prod", actor=COMMANDER)
        assert deployment.release.name == "v2"


def test_a_new_set_version_must_be_run_again(session_factory: sessionmaker[Session]) -> None:
    gated_system(session_factory)
    _run(session_factory, "v2")
    with unit_of_work(session_factory) as session:
        put_set(session, description="v2 of the set")
    with session_factory() as session, pytest.raises(Conflict, match="routing v2 has not been run"):
        releases.activate(session, SYSTEM, "v2", environment="prod", actor=COMMANDER)


def test_without_the_gate_activation_needs_no_canaries(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory, gate=False)
    with unit_of_work(session_factory) as session:
        releases.activate(session, SYSTEM, "bad-3", environment="prod", actor=COMMANDER)


def test_the_scheduler_runs_a_set_when_its_interval_has_passed(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory, gate=False)
    with unit_of_work(session_factory) as session:
        put_set(
            session,
            "nightly",
            interval_s=600,
            cases=[case("a", "money", kind="label", value="refund")],
        )
    now = utcnow()
    [first] = scheduler.run_due(session_factory, now)
    assert scheduler.run_due(session_factory, now + timedelta(seconds=599)) == []
    [second] = scheduler.run_due(session_factory, now + timedelta(seconds=3600))
    with session_factory() as session:
        found = [
            (r.set_name, r.trigger, r.status)
            for r in service.list_runs(session, system=SYSTEM).items
        ]
    assert second > first
    assert found == [("nightly", "schedule", "passed"), ("nightly", "schedule", "passed")]


def test_the_scheduler_skips_a_system_without_a_target(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)
        put_set(session, interval_s=60)
    assert scheduler.run_due(session_factory, utcnow()) == []


def test_emitted_cases_are_observations_of_a_canary_failure_monitor(
    session_factory: sessionmaker[Session],
) -> None:
    gated_system(session_factory, gate=False)
    body = {
        "name": "canary-failures",
        "signal": "canary_failures",
        "environment": "prod",
        "reference": {"observations": 10},
    }
    with unit_of_work(session_factory) as session:
        monitor_service.create(session, SYSTEM, MonitorCreate.model_validate(body), COMMANDER)
    Engine().run_once(session_factory)  # the monitor watches events from here on
    for _ in range(3):
        _run(session_factory)
    with unit_of_work(session_factory) as session:
        put_target(session, callable="tests.canaries.targets:boom")
    _run(session_factory)
    Engine().run_once(session_factory)
    with session_factory() as session:
        state = MonitorRead.of(
            monitor_service.get_by_name(session, SYSTEM, "canary-failures")
        ).state
    assert (state.phase, state.learned, state.observations) == ("learning", 8, 8)
