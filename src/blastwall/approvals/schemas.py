"""API shapes for approval requests at the action gate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from blastwall.approvals.enums import ApprovalStatus
from blastwall.inputs import NON_BLANK, Input
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_pattern
from blastwall.traces.events import TRACE_ID_PATTERN

ACTION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
MAX_TIMEOUT_S = 7 * 24 * 3600


class ApprovalCreate(Input):
    """The SDK asks a human before an irreversible action without a validator runs (C7)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "system": "support-agent",
                    "environment": "prod",
                    "action": "issue-refund",
                    "arguments": {"order": "A-1001", "amount": 120.0},
                    "reason": "no validator for issue-refund",
                    "timeout_s": 300,
                }
            ]
        },
    )

    system: str = Field(pattern=slug_pattern(NAME_MAX), description="Registered system name.")
    environment: str = Field(pattern=slug_pattern(ENVIRONMENT_MAX), description="e.g. production.")
    trace_id: Annotated[str, Field(pattern=TRACE_ID_PATTERN)] | None = Field(
        default=None, description="The call that proposed the action."
    )
    action: str = Field(
        pattern=ACTION_PATTERN, description="The tool or downstream action, e.g. issue_refund."
    )
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="What the model proposed to call it with."
    )
    reason: str = Field(
        default="",
        max_length=2000,
        description="Why the SDK asks, e.g. no validator.",
    )
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="How long the SDK waits; after it the request expires and cannot be approved.",
    )


class ApprovalDecision(Input):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="Why; recorded in the audit log (required, not only spaces).",
        json_schema_extra=NON_BLANK,
    )


class ApprovalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    system: str
    environment: str
    action: str
    arguments: dict[str, Any]
    trace_id: str | None
    request_reason: str = Field(description="Why the SDK asked.")
    status: ApprovalStatus
    reason: str | None = Field(
        validation_alias="decision_reason",
        description="Why the responder decided; null while pending or expired.",
    )
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    requested_by: str
    expires_at: datetime | None

    @field_validator("reason")
    @classmethod
    def _none_when_undecided(cls, value: str | None) -> str | None:
        return value or None
