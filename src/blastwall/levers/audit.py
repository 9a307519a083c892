"""The tamper-evident audit log: each entry hashes the one before it (I4)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.db.base import utcnow
from blastwall.db.counters import next_value
from blastwall.levers.models import AuditEntry

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
