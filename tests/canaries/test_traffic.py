"""Canary calls stay out of production: monitors and review skip them; canary_failures
counts canary cases, one observation per case run (issue 8, section 10)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries import runs
from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine
from blastwall.detect.monitors import service as monitor_service
from blastwall.detect.monitors import source
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.monitors.schemas import MonitorCreate, MonitorRead
from blastwall.detect.signals import Spec, observe, parse_params, trace_columns
from blastwall.review import sampling
from blastwall.review.models import ReviewItem
from blastwall.traces import ingest
from blastwall.traces.models import Trace
from tests.canaries.factories import gated_system, put_target
from tests.detect.engine_factories import push
from tests.registry.factories import COMMANDER, RESPONDER, SYSTEM
from tests.review.factories import call
from tests.review.factories import configure as configure_review

Factory = sessionmaker[Session]
PRODUCTION_CALLS = 5


def production_calls(n: int = PRODUCTION_CALLS) -> list[dict[str, Any]]:
    """Users' calls of the canaried system in prod, through the SDK's ingest path."""
    return [call(i, system=SYSTEM, environment="prod", trace_id=f"user-{i}") for i in range(n)]


def run_routing(factory: Factory) -> None:
    """One run of the two-case routing set against the release in force (emitted)."""
    runs.run_now(factory, SYSTEM, set_name="routing", release=None, actor=RESPONDER)


def monitor(factory: Factory, name: str, signal: str, **params: Any) -> None:
    body = {
        "name": name,
        "signal": signal,
        "params": params,
        "environment": "prod",
        "reference": {"observations": 50},
    }
    with unit_of_work(factory) as session:
        monitor_service.create(session, SYSTEM, MonitorCreate.model_validate(body), COMMANDER)


def state(factory: Factory, name: str) -> tuple[str, int, int]:
    with factory() as session:
        read = MonitorRead.of(monitor_service.get_by_name(session, SYSTEM, name)).state
    return read.phase, read.learned, read.observations


def observed(factory: Factory, signal: Signal) -> tuple[list[int | float], list[str]]:
    """What ``signal`` observes among every stored trace: values and trace ids."""
    spec = Spec(signal, parse_params(signal, {}), "prod")
    with factory() as session:
        rows = source.fetch(session, source.TRACES, trace_columns([spec]), after=0, limit=10_000)
    seen = observe(spec, rows, rows.by_system[SYSTEM])
    return list(seen.values), list(seen.trace_ids)


def test_canary_failures_counts_canary_cases_and_production_monitors_skip_them(
    session_factory: Factory,
) -> None:
    gated_system(session_factory, gate=False)
    monitor(session_factory, "canary-failures", "canary_failures")
    monitor(session_factory, "answer-length", "response_length")
    Engine().run_once(session_factory)  # the monitors watch events from here on
    push(session_factory, production_calls())
    for _ in range(3):
        run_routing(session_factory)  # 2 cases each, both pass
    with unit_of_work(session_factory) as session:
        put_target(session, callable="tests.canaries.targets:boom")
    run_routing(session_factory)  # both cases fail
    Engine().run_once(session_factory)

    # 8 canary case results, not 5 user calls + 8 canary calls.
    assert state(session_factory, "canary-failures") == ("learning", 8, 8)
    assert observed(session_factory, Signal.canary_failures)[0] == [0, 0, 0, 0, 0, 0, 1, 1]
    # The user calls only: no canary answer reaches a production monitor or its samples.
    assert state(session_factory, "answer-length") == ("learning", 5, 5)
    assert observed(session_factory, Signal.response_length)[1] == [
        f"user-{i}" for i in range(PRODUCTION_CALLS)
    ]
    with session_factory() as session:
        stored = session.execute(select(Trace.canary, Trace.user_id).order_by(Trace.id)).all()
    assert [tuple(r) for r in stored] == [(False, None)] * 5 + [(True, runs.CANARY_USER)] * 8


def test_review_sampling_skips_canary_calls(session_factory: Factory) -> None:
    gated_system(session_factory, gate=False)
    configure_review(session_factory, 1.0, system=SYSTEM)  # every answered call
    push(session_factory, production_calls(3))
    run_routing(session_factory)
    report = sampling.sample_new(session_factory)
    assert (report.read, report.queued) == (3, 3)
    with session_factory() as session:
        queued = list(session.scalars(select(ReviewItem.trace_id).order_by(ReviewItem.id)))
    assert queued == ["user-0", "user-1", "user-2"]


def test_an_action_rate_on_canary_failed_is_refused_with_the_signal_to_use() -> None:
    body = {"name": "c", "signal": "action_rate", "params": {"action": "canary_failed"}}
    with pytest.raises(ValidationError) as caught:
        MonitorCreate.model_validate(body)
    assert [e["msg"] for e in caught.value.errors()] == [
        "Value error, params.action: 'canary_failed' is only on canary calls, which "
        "action_rate skips: watch canary failures with 'signal: canary_failures' (no params) "
        "instead"
    ]


def test_an_sdk_cannot_mark_its_calls_as_canary(session_factory: Factory) -> None:
    """Only the canary runner marks calls: users' traffic cannot hide from monitors."""
    gated_system(session_factory, gate=False)
    body = json.dumps([call(0, system=SYSTEM, environment="prod", canary=True)]).encode()
    with unit_of_work(session_factory) as session:
        result = ingest.ingest(session, body)
    assert (result.accepted, result.rejected) == (
        0,
        [ingest.Rejection(0, "canary: Extra inputs are not permitted")],
    )
