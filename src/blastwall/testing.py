"""Assert in your own tests what the Guard did, without a Blastwall server.

Like ``structlog.testing.capture_logs``: capture the calls a block of code made, then
assert on decisions, levers, filter hits and gates::

    from blastwall import testing

    def test_refunds_are_refused_when_killed():
        guard = testing.offline_guard("refund-bot")
        testing.set_levers(guard, killed=True)
        with testing.capture() as captured:
            answer = my_app.handle("refund order 42", guard=guard)
        assert captured.decisions == ["killed"]
        assert captured.levers_applied == ["kill"]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from blastwall.sdk.call import Call
from blastwall.sdk.events import Feedback, call_events
from blastwall.sdk.filters.base import FilterHit
from blastwall.sdk.gate import Approval
from blastwall.sdk.guard import Guard
from blastwall.sdk.levers.state import Levers
from blastwall.sdk.records import GateRecord
from blastwall.sdk.steps import SINKS


@dataclass
class Captured:
    """Everything guarded code did inside ``capture()``, in order."""

    calls: list[Call] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)

    def _add(self, item: Any) -> None:
        if isinstance(item, Call):
            self.calls.append(item)
        elif isinstance(item, Feedback):
            self.feedback.append(item)

    @property
    def decisions(self) -> list[str]:
        """Each call's decision: proceed, reroute, killed, human_fallback, safe_mode, blocked."""
        return [c.decision.value for c in self.calls]

    @property
    def levers_applied(self) -> list[str]:
        """Levers that acted, over all calls, in order (e.g. ``["kill"]``)."""
        return [lever for c in self.calls for lever in c.levers_acted]

    @property
    def filter_hits(self) -> list[FilterHit]:
        return [hit for c in self.calls for hit in c.filter_hits]

    @property
    def gates(self) -> list[GateRecord]:
        """Every tool call and action that went through the gate, with its status and reason."""
        return [g for c in self.calls for g in c.gates]

    @property
    def outputs(self) -> list[Any]:
        return [c.output for c in self.calls]

    def events(self) -> list[dict[str, Any]]:
        """The wire events these calls and flags would send to the server."""
        produced: list[dict[str, Any]] = []
        for call in self.calls:
            produced.extend(call_events(call))
        for flag in self.feedback:
            produced.extend(flag.events())
        return produced


@contextmanager
def capture() -> Iterator[Captured]:
    """Collect every call finished (and feedback given) by any Guard inside the block."""
    captured = Captured()
    SINKS.append(captured._add)
    try:
        yield captured
    finally:
        SINKS.remove(captured._add)


def set_levers(
    guard: Guard,
    *,
    killed: bool = False,
    human_fallback: bool = False,
    safe_mode: bool = False,
    reroute_model: str | None = None,
    filters: Iterable[str] = (),
    disabled_tools: Iterable[str] = (),
    retrieval_sources: Iterable[str] | None = None,
    revision: int = 1,
) -> Levers:
    """Put levers in force on ``guard`` as if the server had sent them (all unset = normal)."""
    levers = Levers.build(
        killed=killed,
        human_fallback=human_fallback,
        safe_mode=safe_mode,
        reroute_model=reroute_model,
        filters=tuple(filters),
        disabled_tools=frozenset(disabled_tools),
        retrieval_sources=None if retrieval_sources is None else frozenset(retrieval_sources),
        revision=revision,
    )
    guard.levers_cache.replace(levers)
    return levers


class StaticApprover:
    """Answers every approval the same way and remembers what was asked."""

    def __init__(self, approve: bool = True, reason: str | None = None) -> None:
        self.approve = approve
        self.reason = reason
        self.asked: list[GateRecord] = []

    def request(self, call: Call, record: GateRecord) -> Approval:
        self.asked.append(record)
        reason = self.reason or ("approved in test" if self.approve else "denied in test")
        return Approval(self.approve, reason, "test")


def offline_guard(
    system: str = "test-system",
    environment: str = "test",
    *,
    approve: bool | None = None,
    **options: Any,
) -> Guard:
    """A Guard with no server, no state file and no OpenTelemetry spans, for tests.

    ``approve=True``/``False`` answers human approvals (see ``guard.approver.asked``).
    """
    options.setdefault("otel_spans", False)
    options.setdefault("state_file", False)
    if approve is not None:
        options.setdefault("approver", StaticApprover(approve))
    return Guard(system, environment, server="", **options)


__all__ = ["Captured", "StaticApprover", "capture", "offline_guard", "set_levers"]
