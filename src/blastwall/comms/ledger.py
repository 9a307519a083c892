"""Append to and read the communications ledger."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.comms.enums import MessageKind
from blastwall.comms.models import LedgerEntry


def digest(text: str) -> str:
    """The SHA-256 of the exact text sent (UTF-8), as lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    kind: MessageKind,
    channel: str,
    recipient: str,
    text: str,
    actor: str,
    incident_id: int | None = None,
    ref: str = "",
    at: datetime | None = None,
) -> LedgerEntry:
    """Record one message as sent or exported; flushed, not committed (the caller's unit)."""
    entry = LedgerEntry(
        incident_id=incident_id,
        kind=kind.value,
        channel=channel,
        recipient=recipient,
        actor=actor,
        text=text,
        sha256=digest(text),
        ref=ref,
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    session.flush()
    return entry


def for_incident(session: Session, incident_id: int) -> list[LedgerEntry]:
    """Every message about one incident, oldest first."""
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.incident_id == incident_id)
        .order_by(LedgerEntry.at, LedgerEntry.id)
    )
    return list(session.scalars(query))
