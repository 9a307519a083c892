"""blastwall.testing: users assert what the Guard did in their own tests, without a server."""

from __future__ import annotations

from blastwall import testing
from blastwall.sdk import PII, Call, GateStatus, Guard


def refund_bot(guard: Guard, text: str) -> str:
    """A tiny app under test: one guarded call that may fire a refund."""
    with guard.call(user_id="u-9", input=text) as call:
        if call.should_run:
            call.action("issue_refund", amount=30)
            call.set_output("refund issued")
    return str(call.output)


def test_capture_shows_decisions_levers_filters_and_gates() -> None:
    guard = testing.offline_guard("refund-bot", approve=True, input_filters=[PII()])
    guard.declare_action("issue_refund", reversible=False)
    with testing.capture() as captured:
        assert refund_bot(guard, "refund to a@b.io") == "refund issued"
        testing.set_levers(guard, killed=True)
        refund_bot(guard, "again")
    assert captured.decisions == ["proceed", "killed"]
    assert captured.levers_applied == ["kill"]
    assert [(h.filter, h.category) for h in captured.filter_hits] == [("pii", "email")]
    assert [(g.name, g.status, g.gate) for g in captured.gates] == [
        ("issue_refund", GateStatus.fired, "approval")
    ]
    assert captured.outputs[1] == "This assistant is unavailable right now. Please try again later."
    assert [e["type"] for e in captured.events()] == ["call", "filter_hit", "call"]
    approver = guard.approver
    assert isinstance(approver, testing.StaticApprover)
    assert [r.arguments for r in approver.asked] == [{"amount": 30}]
    guard.close()


def test_capture_sees_nothing_outside_its_block() -> None:
    guard = testing.offline_guard()
    with guard.call(input="before"):
        pass
    with testing.capture() as captured:
        pass
    with guard.call(input="after"):
        pass
    assert captured.calls == []
    guard.close()


def test_set_levers_with_nothing_restores_normal() -> None:
    guard = testing.offline_guard()
    testing.set_levers(guard, safe_mode=True, disabled_tools=["x"], retrieval_sources=["kb"])
    assert guard.levers.active is True
    assert testing.set_levers(guard).active is False
    with guard.call(input="q") as call:
        pass
    assert isinstance(call, Call)
    assert call.decision.value == "proceed"
    guard.close()
