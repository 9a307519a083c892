"""A bad release alarms against the known-good release's baseline (issue 10 §0).

Seeded classifier streams stored through the real ingest service, on both databases:
release a (known-good) forms the baseline; a release whose fraud share is 9% instead of 2%
from its first call alarms at a fixed call, naming itself and the surface it changed;
marking a release known-good moves the baseline, a rollback brings the old one back with
no new reference window, a release that declares the shift re-learns, and a system with
no known-good release learns from first observations and says so.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine
from blastwall.detect.monitors import service
from blastwall.detect.monitors.models import MonitorBaseline
from blastwall.detect.monitors.schemas import MonitorStateRead, MonitorUpdate
from blastwall.exceptions import InvalidInput
from blastwall.registry import releases
from blastwall.registry.models import Release, Surface, System
from tests.detect.engine_factories import (
    ADMIN,
    LABELS,
    SYSTEM,
    Factory,
    add_monitor,
    alarms,
    classifier_calls,
    push,
    register,
    state,
    tick,
)

FRAUD = {
    "params": {"categories": list(LABELS)},
    "reference": {"observations": 2000},
    "environment": "prod",
}
NEVER = 10**9  # a change index no stream reaches: the 2% fraud share throughout
A_BASELINE = {"approve": 0.796953, "refund": 0.106144, "fraud": 0.01973, "escalate": 0.077173}


def release(factory: Factory, name: str, prompt: int, **fields: Any) -> None:
    with unit_of_work(factory) as session:
        releases.create_release(
            session, SYSTEM, name=name, surfaces={"prompt": {"v": prompt}}, actor=ADMIN, **fields
        )


def mark(factory: Factory, name: str) -> None:
    with unit_of_work(factory) as session:
        releases.mark_known_good(session, SYSTEM, name, actor=ADMIN, reason="soaked")


def activate(factory: Factory, name: str) -> None:
    with unit_of_work(factory) as session:
        releases.activate(session, SYSTEM, name, environment="prod", actor=ADMIN)


def system_with_release_a(factory: Factory, *, known_good: bool = True) -> int:
    """refund-bot with surfaces prompt and model, release a active in prod, the fraud-share
    monitor, and A's first 2,500 calls fed (the baseline is its first 2,000)."""
    register(factory)
    with unit_of_work(factory) as session:
        system = session.scalar(select(System).where(System.name == SYSTEM))
        assert system is not None
        system.surfaces += [
            Surface(name="prompt", kind="prompt"),
            Surface(name="model", kind="model"),
        ]
        session.flush()
        releases.create_release(
            session,
            SYSTEM,
            name="a",
            surfaces={"prompt": {"v": 1}, "model": {"id": "m-1"}},
            actor=ADMIN,
        )
    if known_good:
        mark(factory, "a")
    activate(factory, "a")
    monitor_id = add_monitor(factory, "fraud-share", "output_category", **FRAUD)
    push(factory, classifier_calls(2500, NEVER))
    return monitor_id


def kept_baselines(factory: Factory, monitor_id: int) -> list[str]:
    with factory() as session:
        return list(
            session.scalars(
                select(Release.name)
                .join(MonitorBaseline, MonitorBaseline.release_id == Release.id)
                .where(MonitorBaseline.monitor_id == monitor_id)
                .order_by(MonitorBaseline.id)
            )
        )


def test_a_bad_release_alarms_from_its_first_call_naming_itself_and_the_changed_surface(
    session_factory: Factory,
) -> None:
    monitor_id = system_with_release_a(session_factory)
    engine = Engine(settle_s=0)
    tick(session_factory, engine)
    learned = state(session_factory, monitor_id)
    assert learned.summary["baseline"] == A_BASELINE
    assert (learned.summary["baseline_release"], learned.summary["known_good_baseline"]) == (
        "a",
        True,
    )
    assert kept_baselines(session_factory, monitor_id) == ["a"]

    release(session_factory, "b", prompt=2)
    activate(session_factory, "b")
    # From B's first call (index 2500) the fraud share is 9%.
    push(session_factory, classifier_calls(1500, 2500, first=2500))
    report = tick(session_factory, engine)

    [alarm] = alarms(session_factory)
    assert report.alarms == [alarm.id]
    assert alarm.trace_id == "trace-2683"
    assert alarm.baseline == A_BASELINE
    assert alarm.description == (
        "share of 'fraud' 0.01973 -> 0.1316 in release b (against the baseline of release a; "
        "changed: prompt v1 -> v2)"
    )
    testing = state(session_factory, monitor_id)
    assert testing.summary["under_test"] == {
        "release": "b",
        "against": "a",
        "changed": ["prompt v1 -> v2"],
    }
    assert testing.message == "testing release b against the baseline of known-good release a"
    assert kept_baselines(session_factory, monitor_id) == ["a"]  # B formed no baseline


def test_marking_a_release_known_good_moves_the_baseline_and_rollback_restores_the_old_one(
    session_factory: Factory,
) -> None:
    monitor_id = system_with_release_a(session_factory)
    engine = Engine(settle_s=0)
    tick(session_factory, engine)
    release(session_factory, "c", prompt=3)
    activate(session_factory, "c")
    push(session_factory, classifier_calls(100, NEVER, first=2500))
    tick(session_factory, engine)
    assert state(session_factory, monitor_id).summary["baseline"] == A_BASELINE

    mark(session_factory, "c")
    push(session_factory, classifier_calls(2100, 2600, first=2600))  # C's own law: 9% fraud
    tick(session_factory, engine)
    moved = state(session_factory, monitor_id)
    assert moved.message == (
        "release c was marked known-good: its observations from then on form the new baseline"
    )
    assert (moved.phase, moved.summary["learned"]) == ("monitoring", 2000)
    assert moved.summary["baseline"]["fraud"] == 0.098651
    assert (moved.summary["baseline_release"], moved.summary["known_good_baseline"]) == (
        "c",
        True,
    )
    assert kept_baselines(session_factory, monitor_id) == ["a", "c"]  # A's stays in history
    assert alarms(session_factory) == []

    activate(session_factory, "a")  # the rollback
    push(session_factory, classifier_calls(10, NEVER, first=4700))
    tick(session_factory, engine)
    back = state(session_factory, monitor_id)
    assert back.message == (
        "known-good release a became active: its baseline, learned earlier, is back in use"
    )
    # No re-learning period: monitoring at once, on A's baseline exactly.
    assert (back.phase, back.summary["baseline"], back.summary["n_seen"]) == (
        "monitoring",
        A_BASELINE,
        2010,
    )
    assert back.summary["baseline_release"] == "a"
    assert kept_baselines(session_factory, monitor_id) == ["a", "c"]


def test_a_rollback_restores_the_baseline_after_an_engine_restart(
    session_factory: Factory,
) -> None:
    monitor_id = system_with_release_a(session_factory)
    tick(session_factory, Engine(settle_s=0))
    release(session_factory, "c", prompt=3)
    mark(session_factory, "c")
    activate(session_factory, "c")
    push(session_factory, classifier_calls(2000, 2500, first=2500))
    tick(session_factory, Engine(settle_s=0))
    assert state(session_factory, monitor_id).summary["baseline_release"] == "c"
    activate(session_factory, "a")
    push(session_factory, classifier_calls(10, NEVER, first=4500))
    tick(session_factory, Engine(settle_s=0))  # a new process: memory lost, store kept
    back = state(session_factory, monitor_id)
    assert (back.phase, back.summary["baseline"]) == ("monitoring", A_BASELINE)


def test_a_release_expecting_the_shift_re_learns_that_monitor(session_factory: Factory) -> None:
    monitor_id = system_with_release_a(session_factory)
    engine = Engine(settle_s=0)
    tick(session_factory, engine)
    release(session_factory, "e", prompt=4, expect_shift=["fraud-share"])
    activate(session_factory, "e")
    push(session_factory, classifier_calls(2500, 2500, first=2500))
    tick(session_factory, engine)
    shifted = state(session_factory, monitor_id)
    assert shifted.message == (
        "release e declares it moves this monitor (expect_shift): learning its baseline"
    )
    assert (shifted.phase, shifted.summary["learned"], shifted.summary["n_seen"]) == (
        "monitoring",
        2000,
        2500,
    )
    assert shifted.summary["baseline"]["fraud"] == 0.098152
    # E's baseline was accepted by its declaration, not vouched for as known-good.
    assert (shifted.summary["baseline_release"], shifted.summary["known_good_baseline"]) == (
        "e",
        False,
    )
    assert alarms(session_factory) == []
    assert kept_baselines(session_factory, monitor_id) == ["a", "e"]


def test_expect_shift_must_name_monitors_of_the_system(session_factory: Factory) -> None:
    system_with_release_a(session_factory)
    with pytest.raises(InvalidInput) as refused:
        release(session_factory, "e", prompt=4, expect_shift=["fraud-shares"])
    assert str(refused.value) == (
        "expect_shift names monitor(s) fraud-shares that refund-bot does not have; its "
        "monitors: fraud-share (`blastwall monitor list refund-bot` lists them)"
    )


def test_without_a_known_good_release_the_monitor_learns_from_first_calls_and_says_so(
    session_factory: Factory,
) -> None:
    monitor_id = system_with_release_a(session_factory, known_good=False)
    engine = Engine(settle_s=0)
    tick(session_factory, engine)
    first = state(session_factory, monitor_id)
    assert first.summary["baseline"] == A_BASELINE
    read = MonitorStateRead.of(first, enabled=True)
    assert (read.baseline_release, read.known_good_baseline) == ("a", False)

    release(session_factory, "b", prompt=2)
    activate(session_factory, "b")
    push(session_factory, classifier_calls(1500, 2500, first=2500))
    tick(session_factory, engine)
    relearned = state(session_factory, monitor_id)
    assert relearned.message == (
        "release b became active; no known-good baseline: mark a release known-good to keep "
        "its baseline; learning its baseline"
    )
    assert (relearned.phase, relearned.summary["learned"]) == ("learning", 1500)
    assert alarms(session_factory) == []  # the broken release formed its own baseline


def test_new_settings_learn_under_the_release_in_force_not_the_old_known_good_one(
    session_factory: Factory,
) -> None:
    monitor_id = system_with_release_a(session_factory)
    engine = Engine(settle_s=0)
    tick(session_factory, engine)
    release(session_factory, "b", prompt=2)
    activate(session_factory, "b")
    push(session_factory, classifier_calls(100, NEVER, first=2500))
    tick(session_factory, engine)
    with unit_of_work(session_factory) as session:
        patch = MonitorUpdate(reference={"observations": 500})
        service.update(session, SYSTEM, "fraud-share", patch, ADMIN)
    push(session_factory, classifier_calls(600, NEVER, first=2600))
    tick(session_factory, engine)
    relearned = state(session_factory, monitor_id)
    assert (relearned.phase, relearned.summary["learned"]) == ("monitoring", 500)
    # Learned from release b's calls: b's baseline, which nobody vouched for.
    assert (relearned.summary["baseline_release"], relearned.summary["known_good_baseline"]) == (
        "b",
        False,
    )
    assert kept_baselines(session_factory, monitor_id) == ["a", "b"]
