"""Sampling: a hash of the event id against the rate, reproducible however it is run."""

from __future__ import annotations

from blastwall.review import sampling
from tests.detect.engine_factories import push
from tests.review.factories import (
    Factory,
    call,
    calls,
    configure,
    items,
    queue,
    register,
)

SAMPLED_OF_2000 = 95  # event ids of seed 1, indices 0..1999, at 5%


def _ids(seed: int, n: int) -> list[str]:
    return [call(i, seed=seed)["id"] for i in range(n)]


def test_exactly_the_calls_whose_hash_falls_under_the_rate_are_queued(
    session_factory: Factory,
) -> None:
    register(session_factory)
    configure(session_factory, 0.05)
    report = queue(session_factory, calls(2000))
    assert (report.read, report.queued, report.more) == (2000, SAMPLED_OF_2000, False)
    expected = [e for e in _ids(1, 2000) if sampling.sampled(e, 0.05)]
    queued = items(session_factory)
    assert [i.event_id for i in queued] == expected
    assert {i.status for i in queued} == {"pending"}
    assert queued[0].trace_id == f"trace-1-{int(expected[0][8:], 16)}"


def test_the_sample_is_the_same_however_the_passes_are_cut(session_factory: Factory) -> None:
    register(session_factory)
    configure(session_factory, 0.05)

    push(session_factory, calls(2000))
    passes = []
    while True:
        report = sampling.sample_new(session_factory, limit=300)
        passes.append(report.queued)
        if not report.more:
            break
    assert len(passes) == 7
    assert sum(passes) == SAMPLED_OF_2000
    assert sampling.sample_new(session_factory).queued == 0  # nothing read twice


def test_a_higher_rate_keeps_every_call_a_lower_one_sampled() -> None:
    ids = _ids(1, 10_000)
    low = {e for e in ids if sampling.sampled(e, 0.05)}
    high = {e for e in ids if sampling.sampled(e, 0.10)}
    assert (len(low), len(high), low <= high) == (487, 991, True)
    assert sum(sampling.sampled(e, 0.05) for e in _ids(2, 10_000)) == 463


def test_only_calls_the_model_answered_on_sampled_systems_are_queued(
    session_factory: Factory,
) -> None:
    register(session_factory)
    register(session_factory, "other-bot")
    configure(session_factory, 1.0)
    events = [
        call(0),
        call(1, decision="killed", outcome="ok", output="fallback"),
        call(2, outcome="error", output=None),
        call(3, system="other-bot"),
        call(4, decision="reroute"),
    ]
    assert queue(session_factory, events).queued == 2
    assert [i.trace_id for i in items(session_factory)] == ["trace-1-0", "trace-1-4"]


def test_calls_stored_before_sampling_was_configured_are_not_queued(
    session_factory: Factory,
) -> None:
    register(session_factory)
    assert sampling.sample_new(session_factory).skipped == (
        "no system was ever given a sample rate"
    )

    push(session_factory, calls(50))
    configure(session_factory, 1.0)
    assert queue(session_factory, calls(3, first=50)).queued == 3


def test_a_rate_of_zero_stops_sampling(session_factory: Factory) -> None:
    register(session_factory)
    configure(session_factory, 1.0)
    assert queue(session_factory, calls(5)).queued == 5
    configure(session_factory, 0.0)
    report = queue(session_factory, calls(5, first=5))
    assert (report.read, report.queued) == (0, 0)
