"""Turn finished calls and feedback into the wire events of docs/sdk.md ("Event format")."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from blastwall.sdk.enums import GateStatus, Rating
from blastwall.sdk.event_caps import fit
from blastwall.sdk.filters.base import to_text
from blastwall.sdk.records import GateRecord

if TYPE_CHECKING:
    from blastwall.sdk.call import Call

MAX_TEXT = 65_536
"""Longer text fields are cut here (with a marker) so one call cannot flood the server."""
MAX_DEPTH = 8
DEFAULT_STALE_AFTER_S = 30.0

Redactor = Callable[[str], str]


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """Valid UTF-8 without NUL (PostgreSQL JSONB refuses both), at most ``limit`` chars."""
    if len(value) > limit:
        keep = max(limit - 30, 0)  # room for the marker, so the result fits the limit
        value = f"{value[:keep]}[CUT {len(value) - keep} CHARS]"
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from surrogateescape decoding
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def json_safe(value: Any, depth: int = 0) -> Any:  # noqa: PLR0911 - a return per JSON type
    """Any value as JSON the server can store: unknown objects become their text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean_text(value)
    if depth >= MAX_DEPTH:
        return clean_text(to_text(value), 1000)
    if isinstance(value, Mapping):
        return {clean_text(str(k), 200): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, depth + 1) for v in value]
    return clean_text(to_text(value))


def _text(value: Any, redact: Redactor | None) -> str | None:
    if value is None:
        return None
    text = clean_text(to_text(value))
    return redact(text) if redact is not None else text


def _redacted(value: Any, redact: Redactor | None) -> Any:
    safe = json_safe(value)
    if redact is None:
        return safe
    return _walk_strings(safe, redact)


def _walk_strings(value: Any, redact: Redactor) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _walk_strings(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk_strings(v, redact) for v in value]
    return value


def _envelope(  # noqa: PLR0917 - internal; every event kind passes the same six fields
    kind: str, trace_id: str | None, system: str, environment: str, at: float, user_id: Any
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "type": kind,
        "trace_id": trace_id,
        "system": system,
        "environment": environment,
        "at": rfc3339(at),
        "user_id": None if user_id is None else clean_text(str(user_id), 200),
    }


def _tool_json(record: GateRecord, redact: Redactor | None) -> dict[str, Any]:
    status = record.status or GateStatus.fired
    return {
        "name": clean_text(record.name, 200),
        "arguments": _redacted(record.arguments, redact),
        "result": _redacted(record.result, redact),
        # On the wire a tool that ran is "ok" (docs/sdk.md); "fired" is for actions.
        "status": "ok" if status is GateStatus.fired else status.value,
        "reason": record.reason,
    }


def _action_json(record: GateRecord) -> dict[str, Any]:
    status = record.status or GateStatus.fired
    reason = record.reason
    if status is GateStatus.error:
        # The gate let it fire and the app's function raised: it may have happened.
        status, reason = GateStatus.fired, f"the action raised: {reason}"
    wire = status.value
    if status is GateStatus.fired and record.gate == "approval":
        wire = "approved"
    return {
        "name": clean_text(record.name, 200),
        "reversible": record.reversible,
        "status": wire,
        "gate": record.gate,
        "reason": reason,
    }


def _short(value: Any, limit: int) -> str | None:
    return None if value is None else clean_text(to_text(value), limit)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _unit(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    return None


def _surfaces(surfaces: Mapping[str, Any] | None) -> dict[str, int | str]:
    return {
        clean_text(str(k), 100): v
        if isinstance(v, int) and not isinstance(v, bool)
        else clean_text(to_text(v), 200)
        for k, v in (surfaces or {}).items()
    }


def call_events(call: Call, redact: Redactor | None = None) -> list[dict[str, Any]]:
    """The ``call`` event of a finished call, followed by one ``filter_hit`` per hit."""
    guard = call.guard
    head = _envelope("call", call.trace_id, guard.system, guard.environment, call.at, call.user_id)
    levers = call.levers
    confirmed = call.confirmed_at
    stale_after = guard.stale_after_s or levers.stale_after_s or DEFAULT_STALE_AFTER_S
    stale = confirmed is None or (call.started_perf - confirmed) > stale_after
    event = {
        **head,
        # The wire decision is the levers' (docs/sdk.md); a filter block is the outcome.
        "decision": (call.lever_decision or call.decision).value,
        "outcome": call.outcome.value,
        "error": call.error,
        "release": _short(call.release, 100),
        "surfaces": _surfaces(call.surfaces),
        "input": _text(call.input, redact),
        "retrieved": [{"id": d.id, "source": d.source, "score": d.score} for d in call.documents],
        "model": _short(call.model, 200),
        "requested_model": _short(call.requested_model, 200),
        "tool_calls": [_tool_json(g, redact) for g in call.gates if g.kind == "tool"],
        "output": _text(call.output, redact),
        "label": _short(call.label, 200),
        "confidence": _unit(call.confidence),
        "input_tokens": _count(call.input_tokens),
        "output_tokens": _count(call.output_tokens),
        "actions": [_action_json(g) for g in call.gates if g.kind == "action"],
        "levers": list(call.levers_acted),
        "filters": [
            {
                "filter": h.filter,
                "stage": h.stage.value,
                "category": h.category,
                "action": h.action.value,
                "count": h.count,
            }
            for h in call.filter_hits
        ],
        "lever_revision": levers.revision,
        "lever_stale": stale,
        "latency_ms": None if call.latency_ms is None else round(call.latency_ms, 3),
        "attributes": json_safe(call.attributes or {}),
    }
    events = [fit(event)]
    for hit in event["filters"]:
        events.append({**head, "id": uuid.uuid4().hex, "type": "filter_hit", **hit})
    return events


@dataclass(frozen=True)
class Feedback:
    """D6: a human's flag on a trace, queued like a call."""

    trace_id: str
    rating: Rating
    system: str
    environment: str
    comment: str | None = None
    by: str | None = None
    user_id: str | None = None
    at: float = field(default=0.0)

    def events(self, redact: Redactor | None = None) -> list[dict[str, Any]]:
        head = _envelope(
            "feedback", self.trace_id, self.system, self.environment, self.at, self.user_id
        )
        comment = None if self.comment is None else clean_text(self.comment, 4000)
        if comment is not None and redact is not None:
            comment = redact(comment)
        return [
            {
                **head,
                "rating": self.rating.value,
                "comment": comment,
                "by": None if self.by is None else clean_text(self.by, 200),
            }
        ]


def status_event(
    *,
    system: str,
    environment: str,
    at: float,
    instance: str,
    sdk_version: str,
    sent: int,
    dropped: int,
    queued: int,
    lever_revision: int,
    lever_age_s: float | None,
) -> dict[str, Any]:
    return {
        **_envelope("sdk_status", None, system, environment, at, None),
        "instance": instance,
        "sdk_version": sdk_version,
        "sent": sent,
        "dropped": dropped,
        "queued": queued,
        "lever_revision": lever_revision,
        "lever_age_s": None if lever_age_s is None else round(lever_age_s, 3),
    }
