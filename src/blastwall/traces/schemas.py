"""API shapes for traces: the ingest result, trace lists and a trace's full record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from blastwall.db.pagination import DEFAULT_LIMIT, MAX_LIMIT
from blastwall.inputs import Input
from blastwall.traces.events import Decision, Outcome, Rating


class TraceQuery(Input):
    """Which calls to list, newest first; a filter left out matches everything."""

    model_config = ConfigDict(extra="forbid")

    system: str | None = Field(default=None, description="System name.")
    environment: str | None = None
    user_id: str | None = Field(default=None, description="The end user the calls served.")
    label: str | None = Field(default=None, description="Output category, e.g. fraud.")
    decision: Decision | None = None
    outcome: Outcome | None = None
    since: AwareDatetime | None = Field(default=None, description="Calls at or after (ISO 8601).")
    until: AwareDatetime | None = Field(default=None, description="Calls before (ISO 8601).")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(
        default=None, max_length=1000, description="next_cursor of the previous page, unchanged."
    )


class RejectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    index: int = Field(description="Position of the event in the posted list, from 0.")
    reason: str = Field(description="Which field was wrong, what was wrong and how to fix it.")


class IngestResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    accepted: int = Field(description="Events stored now or by an earlier try of this batch.")
    rejected: list[RejectionRead] = Field(description="Events not stored; fix and resend them.")


class TraceSummary(BaseModel):
    """One guarded call, without its texts and payload (the list view)."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Row id; with ``at`` it orders the list.")
    trace_id: str
    system: str
    environment: str
    at: datetime
    user_id: str | None
    decision: str
    outcome: str
    label: str | None
    confidence: float | None
    model: str | None
    release: str | None
    latency_ms: float | None


class CallRead(TraceSummary):
    """One guarded call with everything the SDK recorded (F2)."""

    event_id: str
    received_at: datetime
    input: str | None = Field(validation_alias="input_text")
    output: str | None = Field(validation_alias="output_text")
    truncated: bool = Field(description="Input, output or error was cut at the ingest cap.")
    payload: dict[str, Any] = Field(
        description="error, surfaces, retrieved, requested_model, tool_calls, input_tokens, "
        "output_tokens, actions, levers, filters, lever_revision, lever_stale, attributes."
    )


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    trace_id: str
    system: str
    at: datetime
    rating: str
    comment: str | None
    by: str | None
    user_id: str | None


class TraceRead(BaseModel):
    """Everything under one trace id: its calls (usually one) and the feedback on it."""

    trace_id: str
    calls: list[CallRead]
    feedback: list[FeedbackRead]


class FeedbackCreate(Input):
    """A staff member's flag on a trace (D6), sent through the API instead of the SDK."""

    model_config = ConfigDict(extra="forbid")

    rating: Rating = Field(description="wrong, harmful, correct or other.")
    comment: str | None = Field(default=None, max_length=32_768)
