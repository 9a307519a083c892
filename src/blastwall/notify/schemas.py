"""API shapes of notifications: the outbox rows, their attempts, channels and routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from blastwall.notify.enums import AttemptOutcome, ChannelType, NotificationStatus


class AttemptRead(BaseModel):
    """One delivery attempt and what came of it."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    at: datetime
    outcome: AttemptOutcome
    detail: str


class NotificationRead(BaseModel):
    """One message for one channel, and where its delivery stands."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    change_seq: int = Field(description="Audit sequence of the change that caused it.")
    channel: str
    event: str
    incident_id: int | None
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime = Field(description="When a pending one is tried next.")
    deadline: datetime = Field(description="Past it, a pending notification is failed.")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    message: dict[str, Any] = Field(description="What it says (blastwall.notify.Message JSON).")


class NotificationDetail(NotificationRead):
    """A notification with every delivery attempt, first first."""

    attempt_log: list[AttemptRead]


class ChannelRead(BaseModel):
    """A configured channel: enabled on this server, or why not. Secrets appear by variable
    NAME only (``routing_key_env``); their values are never stored or shown."""

    name: str
    type: ChannelType
    enabled: bool
    problem: str | None = Field(description="Why the channel cannot send, when it cannot.")
    settings: dict[str, Any]


class RouteRead(BaseModel):
    """Which changes go to which channels."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    events: list[str]
    systems: list[str] = Field(description="Empty: every system.")
    severities: list[int] = Field(description="Empty: every severity.")
    channels: list[str]
