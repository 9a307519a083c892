"""Append to and read the communications ledger."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.comms.enums import MessageKind
from blastwall.comms.models import LedgerEntry
from blastwall.db.pagination import Page, PageQuery, paginate


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


def page_for_incident(
    session: Session, incident_id: int, page: PageQuery | None = None
) -> Page[LedgerEntry]:
    """One page of an incident's messages, oldest first (the API's list)."""
    query = select(LedgerEntry).where(LedgerEntry.incident_id == incident_id)
    return paginate(session, query, keys=[LedgerEntry.id], list_name="ledger", page=page)


@dataclass(frozen=True)
class Verified:
    """How many entries were checked, and the ids whose stored hash does not match their text."""

    checked: int
    mismatched: list[int]


def verify(session: Session, incident_id: int | None = None) -> Verified:
    """Recompute every entry's SHA-256 (or one incident's) and name those that differ.

    Evidence: an entry whose text was edited after it was sent no longer matches its hash.
    """
    query = select(LedgerEntry.id, LedgerEntry.text, LedgerEntry.sha256).order_by(LedgerEntry.id)
    if incident_id is not None:
        query = query.where(LedgerEntry.incident_id == incident_id)
    checked, mismatched = 0, []
    for entry_id, text, sha256 in session.execute(query):
        checked += 1
        if digest(text) != sha256:
            mismatched.append(entry_id)
    return Verified(checked, mismatched)
