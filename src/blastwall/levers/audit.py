"""The tamper-evident audit log: each entry hashes the one before it (I4)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.db.base import utcnow
from blastwall.db.counters import next_value
from blastwall.exceptions import InvalidInput
from blastwall.levers.models import AuditEntry, Counter

GENESIS = "0" * 64
AUDIT_COUNTER = "audit_seq"


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the entry's canonical JSON, including the previous entry's hash."""
    body = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "target": entry.target,
        "reason": entry.reason,
        "before": entry.before,
        "after": entry.after,
        "incident_id": entry.incident_id,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target: str,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    incident_id: int | None = None,
) -> AuditEntry:
    """Append one entry; concurrent appends serialize on the sequence counter's lock."""
    seq = next_value(session, AUDIT_COUNTER)
    previous = session.get(AuditEntry, seq - 1) if seq > 1 else None
    entry = AuditEntry(
        seq=seq,
        at=utcnow(),
        actor=actor.name,
        role=actor.role.value,
        action=action,
        target=target,
        reason=reason,
        before=before,
        after=after,
        incident_id=incident_id,
        prev_hash=previous.hash if previous else GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def lock_counter(session: Session, name: str) -> None:
    """Hold counter ``name``'s row lock until commit without consuming a value.

    A change that may turn out to be a no-op takes its locks first, decides, and only
    then draws numbers. SQLite's BEGIN IMMEDIATE already serializes writers; the same
    statement is harmless there.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Counter)
        .values(name=name, value=0)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value})
    )
    session.execute(stmt)


def lock(session: Session) -> None:
    """Hold the chain's head until commit: take it before any other counter, to never deadlock."""
    lock_counter(session, AUDIT_COUNTER)


def list_(session: Session, *, after_seq: int = 0, limit: int = 100) -> list[AuditEntry]:
    """Entries after ``after_seq`` in chain order, at most ``limit`` (page with the last seq)."""
    if after_seq < 0:
        raise InvalidInput(f"after_seq must be 0 or more (got {after_seq}); 0 starts at the top")
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"limit must be between 1 and 1000 (got {limit}); page with after_seq")
    stmt = select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq)
    return list(session.scalars(stmt.limit(limit)))


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None


def verify(session: Session) -> Verification:
    """Walk the chain in order; name the first entry whose hash, link or sequence is wrong."""
    expected_prev = GENESIS
    count = 0
    for count, entry in enumerate(
        session.scalars(select(AuditEntry).order_by(AuditEntry.seq)), start=1
    ):
        if entry.seq != count:
            return Verification(False, count - 1, count, f"entry {count} is missing")
        if entry.prev_hash != expected_prev:
            return Verification(
                False, count - 1, entry.seq, "its link to the previous entry does not match"
            )
        if entry_hash(entry) != entry.hash:
            return Verification(False, count - 1, entry.seq, "its content does not match its hash")
        expected_prev = entry.hash
    return Verification(True, count)
