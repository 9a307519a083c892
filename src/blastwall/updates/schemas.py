"""API shapes of incident updates and their cadence."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from blastwall.inputs import Input


class UpdateCreate(Input):
    """An update: a message, a status-page template, or the message filled into one."""

    message: str = Field("", max_length=10_000, description="What to tell people now.")
    template: str | None = Field(
        None,
        max_length=100,
        description="investigating, identified, monitoring, resolved (or a template of "
        "BLASTWALL_COMMS_TEMPLATES_DIR/updates).",
    )


class UpdateRead(BaseModel):
    """An update as posted: its exact text and when the next one is due."""

    incident_id: int
    text: str
    template: str | None
    at: datetime
    next_update_due: datetime | None
    audit_seq: int


class CadenceRead(BaseModel):
    """The incident's update clock: null ``next_update_due`` once it is resolved."""

    incident_id: int
    interval_s: int
    last_update_at: datetime | None
    next_update_due: datetime | None
    overdue: bool
    overdue_s: int
