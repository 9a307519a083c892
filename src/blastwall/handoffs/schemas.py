"""API shapes for the human queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from blastwall.handoffs.enums import HandoffStatus
from blastwall.inputs import Input
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_pattern
from blastwall.traces.events import TRACE_ID_PATTERN

MAX_INPUT_CHARS = 32_768


class HandoffCreate(Input):
    """What the SDK enqueues when a call falls back to a human (C2)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "system": "support-agent",
                    "environment": "prod",
                    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                    "user_id": "cust-1029",
                    "input": "Where is my refund for order A-1001?",
                    "reason": "human_fallback",
                    "context": {"release": "v12"},
                }
            ]
        },
    )

    system: str = Field(pattern=slug_pattern(NAME_MAX), description="Registered system name.")
    environment: str = Field(pattern=slug_pattern(ENVIRONMENT_MAX), description="e.g. production.")
    trace_id: Annotated[str, Field(pattern=TRACE_ID_PATTERN)] | None = Field(
        default=None, description="The call's trace id, to find what the AI saw."
    )
    user_id: str | None = Field(default=None, max_length=200, description="End user served.")
    input: str = Field(
        default="", max_length=MAX_INPUT_CHARS, description="The user's request, as filtered."
    )
    reason: str = Field(
        default="", max_length=2000, description="Why a human gets it, e.g. human_fallback."
    )
    context: dict[str, Any] = Field(
        default_factory=dict, description="Anything the app attaches: release, attributes."
    )


class HandoffResolve(Input):
    model_config = ConfigDict(extra="forbid")

    resolution: str = Field(
        min_length=1, max_length=MAX_INPUT_CHARS, description="What the human did or answered."
    )


class HandoffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    system: str
    environment: str
    trace_id: str | None
    user_id: str | None
    input: str
    reason: str
    context: dict[str, Any]
    status: HandoffStatus
    created_at: datetime
    created_by: str
    claimed_by: str | None
    claimed_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str
