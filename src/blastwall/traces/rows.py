"""Turn a validated event into the row its table stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table

from blastwall.traces.bulk import RawJSON
from blastwall.traces.events import CallEvent, Event, FeedbackEvent, FilterHitEvent, SdkStatusEvent
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


TRACES = cast(Table, Trace.__table__)
FEEDBACK = cast(Table, TraceFeedback.__table__)
FILTER_HITS = cast(Table, FilterHit.__table__)
SDK_STATUS = cast(Table, SdkStatus.__table__)


_to_json = CallEvent.__pydantic_serializer__.to_json


def _cap(text: str | None) -> tuple[str | None, bool]:
    if text is None or len(text) <= MAX_TEXT_CHARS:
        return text, False
    return text[:MAX_TEXT_CHARS], True


def row(event: Event, received_at: datetime) -> tuple[Table, dict[str, Any]]:
    common = {
        "event_id": event.id,
        "system": event.system,
        "environment": event.environment,
        "at": event.at,
        "received_at": received_at,
    }
    if isinstance(event, CallEvent):
        return TRACES, _call_row(event, common)
    if isinstance(event, FeedbackEvent):
        comment, _ = _cap(event.comment)
        row = {
            **common,
            "trace_id": event.trace_id,
            "user_id": event.user_id,
            "rating": event.rating.value,
            "comment": comment,
            "by": event.by,
        }
        return FEEDBACK, row
    if isinstance(event, FilterHitEvent):
        row = {
            **common,
            "trace_id": event.trace_id,
            "user_id": event.user_id,
            "filter": event.filter,
            "stage": event.stage,
            "category": event.category,
            "action": event.action,
            "count": event.count,
        }
        return FILTER_HITS, row
    return SDK_STATUS, _status_row(event, common)


def _call_row(event: CallEvent, common: dict[str, Any]) -> dict[str, Any]:
    input_text, input_cut = _cap(event.input)
    output_text, output_cut = _cap(event.output)
    error, error_cut = _cap(event.error)
    if error_cut:
        event = event.model_copy(update={"error": error})
    # Serialized by pydantic in one native call: a third of the cost of dump + json.dumps.
    payload = RawJSON(_to_json(event, include=PAYLOAD_FIELDS).decode())
    return {
        **common,
        "trace_id": event.trace_id,
        "user_id": event.user_id,
        "decision": event.decision.value,
        "outcome": event.outcome.value,
        "label": event.label,
        "confidence": event.confidence,
        "model": event.model,
        "release": event.release,
        "latency_ms": event.latency_ms,
        "input_text": input_text,
        "output_text": output_text,
        "truncated": input_cut or output_cut or error_cut,
        "payload": payload,
    }


def _status_row(event: SdkStatusEvent, common: dict[str, Any]) -> dict[str, Any]:
    return {
        **common,
        "instance": event.instance,
        "sdk_version": event.sdk_version,
        "sent": event.sent,
        "dropped": event.dropped,
        "queued": event.queued,
        "lever_revision": event.lever_revision,
        "lever_age_s": event.lever_age_s,
    }
