"""API shapes of the notice to affected users."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from blastwall.blastradius.schemas import BlastRadius
from blastwall.inputs import NON_BLANK, Input, trim_non_blank

ChannelName = Annotated[
    str,
    Field(min_length=1, max_length=100, json_schema_extra=NON_BLANK),
    AfterValidator(trim_non_blank),
]
"""Where the notice went out: ``email``, ``in-app``, a letter campaign's name."""


class NoticeDraftRequest(Input):
    """What the user should do, in the operator's words (default: nothing, contact support)."""

    advice: str | None = Field(None, max_length=5000)


class NoticeSend(Input):
    """The channels the notice went out on, once sent with the operator's own tools."""

    channels: list[ChannelName] = Field(
        min_length=1, max_length=20, description="e.g. email, in-app"
    )
    advice: str | None = Field(None, max_length=5000)


class NoticeRead(BaseModel):
    """The notice text, whether the rule requires one and why, and the blast radius."""

    incident_id: int
    required: bool
    reason: str
    text: str
    blast_radius: BlastRadius


class NoticeExport(NoticeRead):
    """The notice and the affected users' ids (the recipient list)."""

    recipients: list[str]
