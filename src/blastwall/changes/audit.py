"""The tamper-evident audit log: each entry hashes the one before it (I4)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes.models import AuditEntry
from blastwall.db.base import utcnow
from blastwall.db.counters import Counter, current_value, next_value
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.db.session import AUDIT_KEY
from blastwall.exceptions import InvalidInput

GENESIS = "0" * 64
AUDIT_COUNTER = "audit_seq"
PLAIN = "sha256"
KEYED = "hmac-sha256"
# Key ids are an HMAC of this label: they name a key without revealing it.
_KEY_ID_LABEL = b"blastwall audit key id"


def key_id(key: bytes) -> str:
    """A short public name for ``key``, so verify can tell a wrong key from a forged entry."""
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def scheme_for(key: bytes | None) -> str:
    """The scheme new entries get: plain SHA-256, or an HMAC under the configured key."""
    return PLAIN if key is None else f"{KEYED}:{key_id(key)}"


def session_key(session: Session) -> bytes | None:
    """The audit key the session's factory carries (``BLASTWALL_AUDIT_HMAC_KEY``), if any."""
    key: bytes | None = session.info.get(AUDIT_KEY)
    return key


def entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    """SHA-256 (no key) or HMAC-SHA-256 (key) over the entry's canonical JSON.

    The JSON includes the previous entry's hash, which chains the entries, and the scheme,
    so an entry cannot be relabelled to a weaker scheme without breaking its hash.
    """
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
        "scheme": entry.scheme,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


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
    """Append one entry; concurrent appends serialize on the sequence counter's lock.

    The entry is keyed (HMAC) when the session's factory carries an audit key.
    """
    key = session_key(session)
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
        scheme=scheme_for(key),
    )
    entry.hash = entry_hash(entry, key)
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


def list_(
    session: Session, *, after_seq: int = 0, page: PageQuery | None = None
) -> Page[AuditEntry]:
    """Entries after ``after_seq`` in chain order, one page (follow its ``next_cursor``)."""
    if after_seq < 0:
        raise InvalidInput(f"after_seq must be 0 or more (got {after_seq}); 0 starts at the top")
    stmt = select(AuditEntry).where(AuditEntry.seq > after_seq)
    return paginate(session, stmt, keys=[AuditEntry.seq], list_name="audit", page=page)


@dataclass(frozen=True)
class Head:
    """The newest entry's sequence and hash: keep it elsewhere, check it later (SEQ:HASH)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def head(session: Session) -> tuple[Head, int]:
    """The newest entry as a Head (``0:000...`` for an empty log) and the sequence counter.

    The two differ only when entries were deleted: ``verify`` then names them.
    """
    newest = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    found = Head(newest.seq, newest.hash) if newest else Head(0, GENESIS)
    return found, current_value(session, AUDIT_COUNTER)


def key_problem(session: Session, key: bytes | None) -> str | None:
    """Why entries this process writes would break the chain, judged by the newest entry.

    Once the log is keyed, an entry written without the key (or under another one) fails
    ``verify``; the server says so at start instead of leaving it to the next audit.
    """
    newest = session.scalar(select(AuditEntry.scheme).order_by(AuditEntry.seq.desc()).limit(1))
    if newest is None or newest == scheme_for(key) or newest == PLAIN:
        return None
    written_with = newest.partition(":")[2]
    running_with = f"key id {key_id(key)}" if key is not None else "no key"
    return f"the audit log is keyed with key id {written_with}, but this process has {running_with}"
