"""Terms and patterns carried by the filters lever block calls with no app registration (C5)."""

from __future__ import annotations

from typing import Any

from blastwall import testing
from blastwall.sdk import Decision, Guard, Outcome, Stage
from blastwall.sdk.filters.lever import LeverBlock
from blastwall.sdk.levers.state import WireLeverState, merge
from tests.sdk.factories import ENVIRONMENT, SYSTEM, wire_state


def state(**kw: Any) -> WireLeverState:
    return WireLeverState.model_validate(wire_state(**kw))


def guarded(guard: Guard, text: str, output: str) -> Any:
    with guard.call(input=text) as call:
        if call.should_run:
            call.set_output(output)
    return call


def test_merge_keeps_one_block_per_state_with_its_stage() -> None:
    levers = merge(
        state(environment="*", revision=2, filter_terms=["chargeback trick"]),
        state(
            environment=ENVIRONMENT,
            revision=3,
            filter_patterns=[r"ORD-\d{6}"],
            filter_stage="input",
        ),
    )
    assert levers.blocks == (
        LeverBlock(("chargeback trick",), (), "both"),
        LeverBlock((), (r"ORD-\d{6}",), "input"),
    )
    assert (levers.active, levers.filtering, levers.filters) == (True, True, ())


def test_a_term_from_the_lever_blocks_the_output_with_no_app_filter() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT)
    try:
        guard.levers_cache.apply(
            [state(revision=4, filter_terms=["chargeback trick"], filter_stage="output")]
        )
        passed = guarded(guard, "how do refunds work?", "Refunds take five days.")
        assert (passed.outcome, passed.output) == (Outcome.ok, "Refunds take five days.")
        blocked = guarded(guard, "any tips?", "Try the Chargeback Trick today.")
        assert blocked.outcome is Outcome.blocked
        assert blocked.output != "Try the Chargeback Trick today."
        assert [(h.filter, h.stage, h.category, h.count) for h in blocked.filter_hits] == [
            ("lever:terms", Stage.output, "term", 1)
        ]
        # output only: the same term in the input goes through to the model
        asked = guarded(guard, "what is the chargeback trick?", "I cannot say.")
        assert (asked.decision, asked.outcome) == (Decision.proceed, Outcome.ok)
    finally:
        guard.close()


def test_a_pattern_from_the_lever_blocks_the_input_before_the_model() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT)
    try:
        guard.levers_cache.apply(
            [state(revision=5, filter_patterns=[r"ORD-\d{6}"], filter_stage="input")]
        )
        call = guarded(guard, "refund ORD-123456 now", "done")
        assert (call.decision, call.should_run, call.outcome) == (
            Decision.blocked,
            False,
            Outcome.blocked,
        )
        assert [(h.filter, h.stage, h.category) for h in call.filter_hits] == [
            ("lever:patterns", Stage.input, "pattern 0")
        ]
        # restore: nothing carried, nothing blocked
        guard.levers_cache.apply([state(revision=6)])
        again = guarded(guard, "refund ORD-123456 now", "done")
        assert (again.decision, again.outcome, again.output) == (
            Decision.proceed,
            Outcome.ok,
            "done",
        )
    finally:
        guard.close()


def test_a_pattern_this_python_cannot_compile_is_skipped_not_fatal() -> None:
    assert [f.name for f in LeverBlock(terms=(), patterns=("[", "x+")).filters()] == [
        "lever:patterns"
    ]
    assert LeverBlock(patterns=("[",)).filters() == ()
