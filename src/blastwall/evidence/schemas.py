"""API shapes of evidence: the hold requests and what an incident holds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from blastwall.incidents.schemas import Message, Text
from blastwall.inputs import Input


class HoldRequest(Input):
    """Put an incident under evidence hold (or change whether changes need a reason)."""

    require_reason: bool = Field(
        default=False,
        description="Refuse any change to the system that comes without a reason.",
    )
    reason: Text = Field(default="", description="Why, for the timeline and the audit log.")


class ReleaseRequest(Input):
    """End an evidence hold; say why (e.g. the report went to the authority)."""

    reason: Message = Field(description="Why the hold ends, e.g. 'initial report sent'.")


class EvidenceRead(BaseModel):
    """What an incident holds past retention, and whether it is under evidence hold."""

    incident_id: int
    evidence_hold: bool
    hold_requires_reason: bool
    held: bool = Field(description="Whether its window is held past retention now.")
    systems: list[str]
    start: datetime = Field(description="The held window's start (the incident's less the margin).")
    end: datetime = Field(description="The held window's end (plus the margin).")
    traces: int = Field(description="Traces of its systems in the held window.")
