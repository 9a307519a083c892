"""Tool scope (C6) and the action gate (C7): the model proposes, the gate disposes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from blastwall.sdk import retry
from blastwall.sdk.events import json_safe
from blastwall.sdk.pipeline import Step
from blastwall.sdk.records import GateRecord

if TYPE_CHECKING:
    from blastwall.sdk.call import Call

log = logging.getLogger("blastwall.sdk")

CREATE_RETRY_S = 10.0  # how long an approval request is retried while the server is away

Validator = Callable[[dict[str, Any]], Any]
"""``validator(arguments)`` returns True to allow; False or a reason (str) denies."""


@dataclass(frozen=True)
class Declaration:
    """A tool or downstream action the app declared, with how it is gated."""

    name: str
    reversible: bool = True
    validator: Validator | None = None
    approval: bool = False
    description: str = ""

    @property
    def needs_approval(self) -> bool:
        """Irreversible without a validator always asks a human; otherwise only if asked to."""
        return self.approval or (not self.reversible and self.validator is None)


@dataclass(frozen=True)
class Approval:
    approved: bool
    reason: str | None = None
    decided_by: str | None = None


class Approver(Protocol):
    """Asks a human whether an action may fire; blocks until an answer or its timeout."""

    def request(self, call: Call, record: GateRecord) -> Approval: ...


class NoApprover:
    """Used when the Guard has no server: nobody can approve, so the gate denies."""

    def request(self, call: Call, record: GateRecord) -> Approval:
        return Approval(
            False,
            f"{record.name!r} needs a human approval but this Guard has no Blastwall server "
            "to ask; configure server= or give the action a validator",
        )


class ServerApprover:
    """Creates an approval request on the server and waits for a responder's decision."""

    def __init__(
        self, client: httpx.Client, *, timeout_s: float = 60.0, poll_interval_s: float = 0.5
    ) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.poll_interval_s = poll_interval_s

    def request(self, call: Call, record: GateRecord) -> Approval:  # noqa: PLR0911 - one answer per outcome
        deadline = time.monotonic() + self.timeout_s
        body = {
            "system": call.guard.system,
            "environment": call.guard.environment,
            "trace_id": call.trace_id,
            "action": record.name,
            "arguments": _jsonable(record.arguments),
            "reason": f"{record.kind} {record.name!r} is irreversible and needs a human approval",
            "timeout_s": self.timeout_s,
        }
        try:
            # One idempotency key for this request, resent on each retry: the server makes
            # one approval request however many times the network loses its answer.
            response = retry.post_once(
                self.client,
                "/approvals",
                body,
                # A server down for longer is answered by refusing: fail closed, soon.
                deadline=min(deadline, time.monotonic() + CREATE_RETRY_S),
            )
            if response.status_code not in (200, 201):
                return Approval(False, _refusal(response))
            answer = response.json()
            approval_id = answer["id"]
            while answer.get("status") == "pending":
                if time.monotonic() + self.poll_interval_s > deadline:
                    return Approval(
                        False, f"nobody approved {record.name!r} within {self.timeout_s:g} s"
                    )
                time.sleep(self.poll_interval_s)
                polled = self.client.get(f"/approvals/{approval_id}")
                if polled.status_code != 200:
                    return Approval(False, _refusal(polled))
                answer = polled.json()
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            return Approval(
                False, f"the approval service is unreachable ({type(exc).__name__}); refused"
            )
        except RuntimeError:  # httpx: the client was closed with the Guard
            return Approval(False, "the Guard was closed; no approval can be asked; refused")
        status = answer.get("status")
        decided_by = answer.get("decided_by")
        reason = answer.get("decision_reason") or answer.get("reason")
        if status == "approved":
            return Approval(True, reason, decided_by)
        who = f" by {decided_by}" if decided_by else ""
        why = f": {reason}" if reason else ""
        return Approval(False, f"{record.name!r} was {status or 'refused'}{who}{why}")


def _refusal(response: httpx.Response) -> str:
    return f"the approval service refused the request (HTTP {response.status_code})"


def _jsonable(arguments: Mapping[str, Any]) -> dict[str, Any]:
    safe = json_safe(dict(arguments))
    return safe if isinstance(safe, dict) else {}


class ToolScope(Step):
    """C6: refuse a tool or action that a lever disabled, with a reason the app can show."""

    name = "tool_scope"

    def action(self, call: Call, record: GateRecord) -> None:
        if record.name in call.levers.disabled_tools:
            call.note_lever("disable_tools")
            record.refuse(
                f"{record.name!r} is switched off for {call.guard.system} right now by an "
                "operator (Blastwall disable_tools lever); continue without it"
            )


class ActionGate(Step):
    """C7: run the declared validator, then ask a human when the declaration needs it."""

    name = "action_gate"

    def __init__(self, declarations: Mapping[str, Declaration], approver: Approver) -> None:
        self.declarations = declarations
        self.approver = approver

    def action(self, call: Call, record: GateRecord) -> None:
        declared = self.declarations.get(record.name)
        if declared is None:
            return
        if declared.validator is not None:
            record.gate = "validator"
            try:
                verdict = declared.validator(record.arguments)
            except Exception as exc:
                record.deny(f"the validator for {record.name!r} raised {exc!r}", gate="validator")
                return
            if verdict is not True:
                reason = verdict if isinstance(verdict, str) and verdict else None
                record.deny(reason or f"the validator refused {record.name!r}", gate="validator")
                return
        if declared.needs_approval:
            approval = self.approver.request(call, record)
            record.gate = "approval"
            if not approval.approved:
                record.deny(approval.reason or f"{record.name!r} was denied", gate="approval")
            else:
                record.reason = approval.reason
