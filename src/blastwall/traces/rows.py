"""Turn a validated event into the row its table stores: a tuple in the table's column order.

Tuples, not dicts: a batch of 500 calls then builds 500 small objects instead of 1,000
dicts, and the SQLite path hands them to the driver as they are (``bulk.py``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table

from blastwall.traces.bulk import RawJSON
from blastwall.traces.events import ActionRecord, CallEvent, Event, FeedbackEvent, SdkStatusEvent
from blastwall.traces.models import FilterHit, SdkStatus, Trace, TraceFeedback

MAX_TEXT_CHARS = 32_768
"""Free text (input, output, error, comment) longer than this is cut and marked truncated."""

# Call-event fields kept in the payload JSON rather than in their own column.
PAYLOAD_FIELDS: set[str] = {
    "error",
    "surfaces",
    "retrieved",
    "requested_model",
    "tool_calls",
    "input_tokens",
    "output_tokens",
    "actions",
    "levers",
    "filters",
    "lever_revision",
    "lever_stale",
    "attributes",
}


@dataclass(frozen=True)
class Shape:
    """A table and the columns its rows give, in the table's order (every column but the id)."""

    table: Table
    columns: tuple[str, ...]

    def check(self) -> None:
        """Fail at import when the model and the row builders below disagree."""
        expected = tuple(c.name for c in self.table.columns if not c.primary_key)
        if self.columns != expected:
            raise RuntimeError(
                f"rows for {self.table.name} give {self.columns}, the table has {expected}"
            )


_TRACE_KEYS = ("event_id", "trace_id", "system", "environment", "at", "received_at", "user_id")
TRACES = Shape(
    cast(Table, Trace.__table__),
    (
        *_TRACE_KEYS,
        "decision",
        "outcome",
        "label",
        "confidence",
        "model",
        "release",
        "latency_ms",
        "input_text",
        "output_text",
        "truncated",
        "payload",
        "canary",
        "fired_actions",
    ),
)
FEEDBACK = Shape(cast(Table, TraceFeedback.__table__), (*_TRACE_KEYS, "rating", "comment", "by"))
FILTER_HITS = Shape(
    cast(Table, FilterHit.__table__),
    (*_TRACE_KEYS, "filter", "stage", "category", "action", "count"),
)
SDK_STATUS = Shape(
    cast(Table, SdkStatus.__table__),
    (
        "event_id",
        "system",
        "environment",
        "at",
        "received_at",
        "instance",
        "sdk_version",
        "sent",
        "dropped",
        "queued",
        "lever_revision",
        "lever_age_s",
    ),
)
for _shape in (TRACES, FEEDBACK, FILTER_HITS, SDK_STATUS):
    _shape.check()


_to_json = CallEvent.__pydantic_serializer__.to_json


def _cap(text: str | None) -> tuple[str | None, bool]:
    if text is None or len(text) <= MAX_TEXT_CHARS:
        return text, False
    return text[:MAX_TEXT_CHARS], True


def row(
    event: Event, received_at: datetime, *, canary: bool = False
) -> tuple[Shape, tuple[Any, ...]]:
    """The table an event goes to and its row, in that table's ``Shape.columns`` order;
    ``canary`` marks a call as a canary case's (only the canary runner says so)."""
    if isinstance(event, CallEvent):
        return TRACES, _call_row(event, received_at, canary)
    if isinstance(event, SdkStatusEvent):
        return SDK_STATUS, _status_row(event, received_at)
    keys = (
        event.id,
        event.trace_id,
        event.system,
        event.environment,
        event.at,
        received_at,
        event.user_id,
    )
    if isinstance(event, FeedbackEvent):
        comment, _ = _cap(event.comment)
        return FEEDBACK, (*keys, event.rating.value, comment, event.by)
    return FILTER_HITS, (
        *keys,
        event.filter,
        event.stage,
        event.category,
        event.action,
        event.count,
    )


def _call_row(event: CallEvent, received_at: datetime, canary: bool) -> tuple[Any, ...]:
    input_text, input_cut = _cap(event.input)
    output_text, output_cut = _cap(event.output)
    error, error_cut = _cap(event.error)
    if error_cut:
        event = event.model_copy(update={"error": error})
    # Serialized by pydantic in one native call: a third of the cost of dump + json.dumps.
    payload = RawJSON(_to_json(event, include=PAYLOAD_FIELDS).decode())
    return (
        event.id,
        event.trace_id,
        event.system,
        event.environment,
        event.at,
        received_at,
        event.user_id,
        event.decision.value,
        event.outcome.value,
        event.label,
        event.confidence,
        event.model,
        event.release,
        event.latency_ms,
        input_text,
        output_text,
        input_cut or output_cut or error_cut,
        payload,
        canary,
        fired_actions(event.actions),
    )


_FIRED = frozenset({"fired", "approved"})


def fired_actions(actions: Sequence[ActionRecord]) -> str | None:
    """The ``fired_actions`` column: sorted ``[["name", reversible], ...]`` of actions that
    fired or were approved, one entry per firing; None when none did.

    Sorted so the same set of actions is the same text: the blast radius groups by it.
    """
    fired = sorted((a["name"], bool(a["reversible"])) for a in actions if a["status"] in _FIRED)
    if not fired:
        return None
    return json.dumps(fired, separators=(",", ":"))


def _status_row(event: SdkStatusEvent, received_at: datetime) -> tuple[Any, ...]:
    return (
        event.id,
        event.system,
        event.environment,
        event.at,
        received_at,
        event.instance,
        event.sdk_version,
        event.sent,
        event.dropped,
        event.queued,
        event.lever_revision,
        event.lever_age_s,
    )
