"""The ledger as the API and CLI show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from blastwall.comms.enums import MessageKind


class LedgerEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int | None
    kind: MessageKind
    channel: str
    recipient: str
    at: datetime
    actor: str
    text: str
    sha256: str
    ref: str


class LedgerVerifyRead(BaseModel):
    """``ok`` when every checked entry's SHA-256 matches its text; else the ids that differ."""

    checked: int
    mismatched: list[int]
    ok: bool
