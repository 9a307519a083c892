"""The event wire format SDKs post to ``/api/v1/events`` (docs/sdk.md, "Event format")."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter
from pydantic_core import PydanticCustomError, to_json
from typing_extensions import TypedDict

from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_pattern

EVENT_ID_PATTERN = r"^[0-9a-f]{32}$"
TRACE_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"

# How to fix a field whose pattern did not match; used in rejection reasons.
PATTERN_HINTS = {
    "id": "use 32 lower-case hex characters, e.g. uuid4().hex",
    "trace_id": "use 1-128 letters, digits, '.', '_', ':' or '-'",
    "system": "use the system's registered name: a lower-case slug such as refund-classifier",
    "environment": "use a lower-case slug such as production",
}

EventId = Annotated[str, Field(pattern=EVENT_ID_PATTERN, description="Idempotency key.")]
TraceId = Annotated[str, Field(pattern=TRACE_ID_PATTERN)]
SystemName = Annotated[str, Field(pattern=slug_pattern(NAME_MAX))]
EnvironmentName = Annotated[str, Field(pattern=slug_pattern(ENVIRONMENT_MAX))]
ShortText = Annotated[str, Field(max_length=200)]
Name = Annotated[str, Field(max_length=200)]
Ref = Annotated[str, Field(max_length=1_000)]

# What one event may carry, beyond the batch's own limits (docs/traces.md, "Caps"). Free
# text (input, output, error, comment) is cut at 32,768 characters when stored instead.
MAX_ATTRIBUTES_BYTES = 16 * 1024
"""``attributes`` as compact JSON."""
MAX_TOOL_CALLS_BYTES = 64 * 1024
"""``tool_calls`` (arguments and results included) as compact JSON."""
MAX_SURFACES_BYTES = 8 * 1024
"""``surfaces`` (names and versions) as compact JSON."""
MAX_ACTIONS_BYTES = 16 * 1024
"""``actions`` (reasons included) as compact JSON."""
MAX_ITEMS = 100
"""Entries in ``surfaces``, ``retrieved``, ``tool_calls``, ``actions``, ``filters``."""
MAX_LEVERS = 20


def _json_capped(limit: int, hint: str) -> AfterValidator:
    """Refuse a value whose compact JSON is over ``limit`` bytes, saying by how much."""

    def check(value: Any) -> Any:
        size = len(to_json(value))
        if size > limit:
            raise PydanticCustomError(
                "too_large",
                "is {size} bytes as JSON, over the {limit}-byte cap; {hint}",
                {"size": size, "limit": limit, "hint": hint},
            )
        return value

    return AfterValidator(check)


class Decision(StrEnum):
    """What the Guard's lever check decided for a call."""

    proceed = "proceed"
    killed = "killed"
    human_fallback = "human_fallback"
    safe_mode = "safe_mode"
    reroute = "reroute"


class Outcome(StrEnum):
    ok = "ok"
    blocked = "blocked"
    error = "error"


class Rating(StrEnum):
    wrong = "wrong"
    harmful = "harmful"
    correct = "correct"
    other = "other"


class _Event(BaseModel):
    """Fields on every event."""

    model_config = ConfigDict(extra="forbid")

    id: EventId
    system: SystemName
    environment: EnvironmentName
    at: AwareDatetime = Field(description="When it happened, RFC 3339 with an offset.")
    user_id: ShortText | None = None


# Parts of a call are TypedDicts, not models: validated just as strictly, but a batch of
# 500 calls then builds 2,500 fewer objects (a fifth of the validation time).
_PART = ConfigDict(extra="forbid")


class Retrieved(TypedDict):
    __pydantic_config__ = _PART  # type: ignore[misc]

    id: Ref
    source: Ref
    score: NotRequired[float | None]


class ToolCall(TypedDict):
    __pydantic_config__ = _PART  # type: ignore[misc]

    name: Name
    arguments: NotRequired[dict[str, Any]]
    result: NotRequired[Any]
    status: Literal["ok", "refused", "denied", "error"]
    reason: NotRequired[str | None]


class ActionRecord(TypedDict):
    __pydantic_config__ = _PART  # type: ignore[misc]

    name: Name
    reversible: bool
    status: Literal["fired", "refused", "denied", "approved"]
    gate: NotRequired[Literal["validator", "approval"] | None]
    reason: NotRequired[str | None]


class FilterRecord(TypedDict):
    __pydantic_config__ = _PART  # type: ignore[misc]

    filter: Name
    stage: Literal["input", "output"]
    category: Name
    action: Literal["redact", "block"]
    count: Annotated[int, Field(ge=0)]


class CallEvent(_Event):
    """One guarded AI call: the trace (F1, F2)."""

    type: Literal["call"]
    trace_id: TraceId
    decision: Decision
    outcome: Outcome
    error: str | None = None
    release: Annotated[str, Field(max_length=100)] | None = None
    surfaces: Annotated[
        dict[Name, int | str],
        _json_capped(MAX_SURFACES_BYTES, "send surface versions (ids, numbers), not content"),
    ] = Field(default_factory=dict, max_length=MAX_ITEMS)
    input: str | None = None
    retrieved: list[Retrieved] = Field(default_factory=list, max_length=MAX_ITEMS)
    model: ShortText | None = None
    requested_model: ShortText | None = None
    tool_calls: Annotated[
        list[ToolCall],
        _json_capped(
            MAX_TOOL_CALLS_BYTES, "record smaller arguments and results (ids, not documents)"
        ),
    ] = Field(default_factory=list, max_length=MAX_ITEMS)
    output: str | None = None
    label: ShortText | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    actions: Annotated[
        list[ActionRecord],
        _json_capped(MAX_ACTIONS_BYTES, "shorten the actions' reasons"),
    ] = Field(default_factory=list, max_length=MAX_ITEMS)
    levers: list[ShortText] = Field(default_factory=list, max_length=MAX_LEVERS)
    filters: list[FilterRecord] = Field(default_factory=list, max_length=MAX_ITEMS)
    lever_revision: int = Field(default=0, ge=0)
    lever_stale: bool = False
    latency_ms: float | None = Field(default=None, ge=0)
    attributes: Annotated[
        dict[str, Any],
        _json_capped(
            MAX_ATTRIBUTES_BYTES, "keep attributes to ids, flags and counts; log the rest"
        ),
    ] = Field(default_factory=dict)


class FeedbackEvent(_Event):
    """A human flag on a trace (D6)."""

    type: Literal["feedback"]
    trace_id: TraceId
    rating: Rating
    comment: str | None = None
    by: ShortText | None = None


class FilterHitEvent(_Event):
    """A guardrail match (D7), one per (filter, stage, category) in a call."""

    type: Literal["filter_hit"]
    trace_id: TraceId
    filter: Annotated[str, Field(min_length=1, max_length=100)]
    stage: Literal["input", "output"]
    category: Annotated[str, Field(min_length=1, max_length=100)]
    action: Literal["redact", "block"]
    count: int = Field(ge=0)


class SdkStatusEvent(_Event):
    """An SDK process's exporter health, every minute."""

    type: Literal["sdk_status"]
    trace_id: None = None
    instance: Annotated[str, Field(min_length=1, max_length=100)]
    sdk_version: Annotated[str, Field(max_length=50)]
    sent: int = Field(ge=0)
    dropped: int = Field(ge=0)
    queued: int = Field(ge=0)
    lever_revision: int = Field(ge=0)
    lever_age_s: float | None = Field(default=None, ge=0)


Event = Annotated[
    CallEvent | FeedbackEvent | FilterHitEvent | SdkStatusEvent, Field(discriminator="type")
]
EVENT_TYPES = ("call", "feedback", "filter_hit", "sdk_status")

# Built once: validating a whole batch in one call keeps the common (all valid) case fast.
batch_adapter: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
event_adapter: TypeAdapter[Event] = TypeAdapter(Event)
