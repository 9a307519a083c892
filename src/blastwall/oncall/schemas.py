"""API shapes of on-call: what the reads answer, the override request, and `now`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from blastwall.inputs import Input
from blastwall.registry.names import NAME_MAX, slug_pattern


class PersonRef(BaseModel):
    """A person as `now` shows them: enough to recognise and reach by chat."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    display_name: str
    handle: str


class PersonRead(PersonRef):
    email: str | None
    slack_user: str | None
    pagerduty_routing_key_env: str | None = Field(
        description="Name of the environment variable holding the key (never the key)."
    )
    pagerduty_service: str | None
    phone: str | None
    updated_at: datetime


class ScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    time_zone: str
    layers: list[dict[str, Any]] = Field(description="As in blastwall.yaml, lowest first.")
    updated_at: datetime


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    levels: list[dict[str, Any]] = Field(description="As in blastwall.yaml; empty with PagerDuty.")
    repeat: int
    pagerduty_service: str | None
    updated_at: datetime


class CoverageRead(BaseModel):
    policy: str
    systems: list[str] | None = Field(description="null: every system.")
    severity: list[int] | None = Field(description="null: every severity.")


class OverrideCreate(Input):
    """Put a person on call for a schedule for a period (a swap, a sick day)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "person": "ana",
                    "from": "2026-03-10T09:00:00+01:00",
                    "to": "2026-03-11T09:00:00+01:00",
                    "reason": "swap with Ben",
                }
            ]
        },
    )

    person: str = Field(pattern=slug_pattern(NAME_MAX), description="A declared person.")
    from_: AwareDatetime = Field(alias="from", description="Start, with a UTC offset.")
    to: AwareDatetime = Field(description="End (exclusive), with a UTC offset.")
    reason: str = Field(
        min_length=1, max_length=2000, pattern=r"\S", description="Why; it is audited."
    )


class OverrideCancel(Input):
    """Why an override is removed; it is audited."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "ana is back"}]}
    )

    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="Why.")


class OverrideRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: int
    schedule: str
    person: str
    from_: datetime = Field(alias="from")
    to: datetime
    reason: str
    created_by: str
    created_at: datetime


class HandoffRead(BaseModel):
    at: datetime
    person: PersonRef | None = Field(description="null: nobody is on call from then on.")


class TargetNowRead(BaseModel):
    kind: str = Field(description="person or schedule.")
    name: str
    on_call: PersonRef | None
    next: HandoffRead | None = Field(
        description="The schedule's next hand-off (within 120 days); null for a person."
    )


class LevelNowRead(BaseModel):
    level: int = Field(description="1 is paged first.")
    delay_minutes: int | float
    people: list[PersonRef] = Field(description="Everyone this level pages now, once each.")
    targets: list[TargetNowRead]


class OnCallNowRead(BaseModel):
    system: str
    severity: int
    at: datetime
    policy: str | None = Field(description="The covering policy; null if none covers.")
    pagerduty_service: str | None = Field(description="Set when PagerDuty escalates instead.")
    repeat: int
    levels: list[LevelNowRead]
