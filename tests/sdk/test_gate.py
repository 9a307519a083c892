"""Tool scope (C6) and the action gate (C7): refusals with reasons, validators, approvals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from blastwall import testing
from blastwall.sdk import ActionRefused, Call, GateStatus, Guard, GuardConfigError, ToolRefused
from blastwall.sdk.gate import ServerApprover
from blastwall.sdk.transport import make_client
from tests.sdk.factories import FakeServer


@pytest.fixture
def guard() -> Iterator[Guard]:
    guard = testing.offline_guard("refund-bot", approve=True)
    yield guard
    guard.close()


def lookup(order: str) -> dict[str, str]:
    return {"order": order, "status": "shipped"}


def test_an_allowed_tool_runs_and_is_recorded(guard: Guard) -> None:
    with guard.call(input="q") as call:
        assert call.tool("lookup_order", lookup, order="A1") == {"order": "A1", "status": "shipped"}
    [record] = call.gates
    assert (record.kind, record.name, record.arguments, record.status) == (
        "tool",
        "lookup_order",
        {"order": "A1"},
        GateStatus.fired,
    )


def test_a_disabled_tool_is_refused_with_a_reason_to_show(guard: Guard) -> None:
    testing.set_levers(guard, disabled_tools=["lookup_order"])
    ran: list[str] = []
    with guard.call(input="q") as call:
        assert call.tools_allowed(["lookup_order", "faq"]) == ["faq"]
        with pytest.raises(ToolRefused) as refused:
            call.tool("lookup_order", lambda **kw: ran.append("ran"), order="A1")
    assert refused.value.reason == (
        "'lookup_order' is switched off for refund-bot right now by an operator "
        "(Blastwall disable_tools lever); continue without it"
    )
    assert ran == []
    assert (call.gates[0].status, call.levers_acted) == (GateStatus.refused, ("disable_tools",))


def test_an_irreversible_action_without_validator_asks_a_human(guard: Guard) -> None:
    guard.declare_action("issue_refund", reversible=False)
    fired: list[dict[str, Any]] = []
    with guard.call(input="refund me") as call:
        call.action("issue_refund", lambda **kw: fired.append(kw), amount=40)
    assert fired == [{"amount": 40}]
    approver = guard.approver
    assert isinstance(approver, testing.StaticApprover)
    assert [r.name for r in approver.asked] == ["issue_refund"]
    [record] = call.gates
    assert (record.status, record.gate, record.reversible) == (GateStatus.fired, "approval", False)


def test_a_denied_approval_refuses_the_action() -> None:
    guard = testing.offline_guard(approve=False)
    guard.declare_action("close_account", reversible=False)
    with guard.call(input="q") as call, pytest.raises(ActionRefused, match="denied in test"):
        call.action("close_account", user="u-1")
    assert (call.gates[0].status, call.gates[0].gate) == (GateStatus.denied, "approval")
    guard.close()


def test_a_validator_decides_without_a_human(guard: Guard) -> None:
    def small_refunds(arguments: dict[str, Any]) -> bool | str:
        return True if arguments["amount"] <= 50 else f"refund of {arguments['amount']} is over 50"

    guard.declare_action("issue_refund", reversible=False, validator=small_refunds)
    with guard.call(input="q") as call:
        call.action("issue_refund", amount=20)
        with pytest.raises(ActionRefused, match="refund of 900 is over 50"):
            call.action("issue_refund", amount=900)
    assert [(g.status, g.gate) for g in call.gates] == [
        (GateStatus.fired, "validator"),
        (GateStatus.denied, "validator"),
    ]
    assert isinstance(guard.approver, testing.StaticApprover)
    assert guard.approver.asked == []


def test_a_validator_that_raises_or_says_false_denies(guard: Guard) -> None:
    def broken(arguments: dict[str, Any]) -> bool:
        raise KeyError("amount")

    guard.declare_tool("wire", reversible=False, validator=broken)
    guard.declare_tool("email", validator=lambda a: False)
    with guard.call(input="q") as call:
        with pytest.raises(ToolRefused, match="the validator for 'wire' raised KeyError"):
            call.tool("wire", lookup, order="x")
        with pytest.raises(ToolRefused, match="the validator refused 'email'"):
            call.tool("email", lookup, order="x")


def test_without_a_server_nobody_can_approve_so_the_gate_denies() -> None:
    guard = testing.offline_guard()
    guard.declare_action("delete_data", reversible=False)
    with (
        guard.call(input="q") as call,
        pytest.raises(ActionRefused, match="has no Blastwall server"),
    ):
        call.action("delete_data")
    guard.close()


def test_a_tool_that_raises_is_recorded_as_error(guard: Guard) -> None:
    def flaky(**kw: Any) -> None:
        raise ConnectionError("crm down")

    with guard.call(input="q") as call, pytest.raises(ConnectionError):
        call.tool("crm", flaky)
    assert (call.gates[0].status, call.gates[0].reason) == (
        GateStatus.error,
        "ConnectionError: crm down",
    )


def test_async_tools_and_actions_await_the_gate_and_the_function(guard: Guard) -> None:
    guard.declare_action("issue_refund", reversible=False)

    async def fetch(order: str) -> str:
        await asyncio.sleep(0)
        return f"order {order}"

    async def scenario() -> tuple[Any, Any, Call]:
        async with guard.call(input="q") as call:
            got = await call.atool("lookup", fetch, order="B2")
            fired = await call.aaction("issue_refund", fetch, order="B2")
        return got, fired, call

    got, fired, call = asyncio.run(scenario())
    assert (got, fired) == ("order B2", "order B2")
    assert [(g.kind, g.status) for g in call.gates] == [
        ("tool", GateStatus.fired),
        ("action", GateStatus.fired),
    ]


def test_declaring_a_bad_name_is_refused_clearly(guard: Guard) -> None:
    with pytest.raises(GuardConfigError, match="name='issue refund': name the tool or action"):
        guard.declare_action("issue refund", reversible=False)


def server_approval(script: list[str], timeout_s: float = 5.0) -> tuple[bool, str | None, dict]:
    fake = FakeServer()
    fake.approval_script = script
    client = make_client(
        "http://blastwall.test",
        "tok",
        timeout=httpx.Timeout(2.0),
        transport=fake.transport,
    )
    guard = testing.offline_guard(
        "refund-bot",
        "production",
        approver=ServerApprover(client, timeout_s=timeout_s, poll_interval_s=0.01),
    )
    guard.declare_action("issue_refund", reversible=False)
    try:
        with guard.call(input="q", trace_id="trace-1") as call:
            try:
                call.action("issue_refund", amount=5)
                approved = True
            except ActionRefused:
                approved = False
        return approved, call.gates[0].reason, fake.approvals.get(1, {})
    finally:
        guard.close()


def test_server_approval_waits_for_the_responders_decision() -> None:
    approved, reason, request = server_approval(["pending", "pending", "approved"])
    assert (approved, reason) == (True, "approved by bob")
    assert request == {
        "system": "refund-bot",
        "environment": "production",
        "trace_id": "trace-1",
        "action": "issue_refund",
        "arguments": {"amount": 5},
        "reason": "action 'issue_refund' is irreversible and needs a human approval",
        "timeout_s": 5.0,
    }


def test_server_denial_and_timeout_refuse_the_action() -> None:
    assert server_approval(["pending", "denied"])[:2] == (
        False,
        "'issue_refund' was denied by bob: denied by bob",
    )
    approved, reason, _ = server_approval(["pending"] * 1000, timeout_s=0.05)
    assert (approved, reason) == (False, "nobody approved 'issue_refund' within 0.05 s")


def test_an_unreachable_approval_service_refuses() -> None:
    fake = FakeServer()
    fake.down = True
    client = make_client(
        "http://blastwall.test", None, timeout=httpx.Timeout(1.0), transport=fake.transport
    )
    guard = testing.offline_guard(approver=ServerApprover(client, timeout_s=0.5))
    guard.declare_action("issue_refund", reversible=False)
    with guard.call(input="q") as call, pytest.raises(ActionRefused) as refused:
        call.action("issue_refund")
    assert refused.value.reason == "the approval service is unreachable (ConnectError); refused"
    guard.close()


def test_an_approval_request_is_retried_with_one_idempotency_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("blastwall.sdk.retry.time.sleep", lambda seconds: None)
    fake = FakeServer()
    fake.approval_failures = 2
    fake.approval_script = ["approved"]
    client = make_client(
        "http://blastwall.test", None, timeout=httpx.Timeout(1.0), transport=fake.transport
    )
    guard = testing.offline_guard(approver=ServerApprover(client, timeout_s=5))
    guard.declare_action("issue_refund", reversible=False)
    with guard.call(input="q") as call:
        call.action("issue_refund", amount=5)
    posts = [r for r in fake.requests if r.method == "POST"]
    keys = {r.headers["Idempotency-Key"] for r in posts}
    assert (len(posts), len(keys), len(fake.approvals)) == (3, 1, 1)
    assert call.gates[0].status.value == "fired"
    guard.close()
