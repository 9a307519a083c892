"""Checking the audit log: the hash chain, the sequence counter, a kept head and the key.

Each measure catches a different attacker (docs/levers.md, "Threat model"):
- the chain catches an entry edited, removed or reordered in the middle;
- the sequence counter catches entries cut from the end (or all of them);
- a head kept elsewhere (``SEQ:HASH``) catches a rewrite of everything up to it;
- an HMAC key catches a rewrite by anyone who can write the database but lacks the key.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes.audit import (
    AUDIT_COUNTER,
    GENESIS,
    KEYED,
    PLAIN,
    Head,
    entry_hash,
    key_id,
    session_key,
)
from blastwall.changes.models import AuditEntry
from blastwall.db.counters import current_value
from blastwall.exceptions import InvalidInput
from blastwall.inputs import SPACE

_HEAD = re.compile(r"([0-9]{1,19}):([0-9a-f]{64})")
HEAD_PATTERN = r"^\s*[0-9]{1,19}:[0-9a-fA-F]{64}\s*$"
"""What ``parse_head`` accepts, as the OpenAPI pattern (JSON Schema's ``\\s`` is SPACE)."""
KEY_SETTING = "BLASTWALL_AUDIT_HMAC_KEY"


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found; ``problem`` names the first thing wrong, in words."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    problem: str | None = None
    counter: int = 0
    # The first keyed (HMAC) entry; entries before it were written before the key was set.
    keyed_from_seq: int | None = None
    # The kept head this run confirmed (``SEQ:HASH``), when one was given and it matched.
    since_head: str | None = None


def parse_head(value: str) -> Head:
    """Read a head kept from ``blastwall audit head`` (``SEQ:HASH``); say how when malformed."""
    match = _HEAD.fullmatch(value.strip(SPACE).lower())
    if match is None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidInput(
            f"since_head must be SEQ:HASH as printed by `blastwall audit head`, e.g. "
            f"17:{'3f' * 32}: a sequence number, a colon and 64 hex digits (got {shown!r})"
        )
    return Head(int(match.group(1)), match.group(2))


def _missing(first: int, last: int) -> str:
    return f"entry {first} is missing" if first == last else f"entries {first}-{last} are missing"


class _Walk:
    """One pass over the entries in sequence order; stops at the first problem."""

    def __init__(self, key: bytes | None, counter: int) -> None:
        self.key = key
        self.counter = counter
        self.intact = 0
        self.expected_prev = GENESIS
        self.keyed_from: int | None = None
        self.hashes_seen: dict[int, str] = {}

    def check(self, entry: AuditEntry) -> str | None:
        """The problem with ``entry`` (the next one in the chain), or None if it is intact."""
        expected_seq = self.intact + 1
        if entry.seq > self.counter:
            return (
                f"entry {entry.seq} is beyond the sequence counter ({self.counter}): the "
                "counter was rewound or the entry was inserted by hand"
            )
        if entry.seq != expected_seq:
            return _missing(expected_seq, entry.seq - 1)
        if entry.prev_hash != self.expected_prev:
            return "its link to the previous entry does not match"
        problem = self._hash_problem(entry)
        if problem is None:
            self.intact += 1
            self.expected_prev = entry.hash
        return problem

    def _hash_problem(self, entry: AuditEntry) -> str | None:
        scheme, _, entry_key_id = entry.scheme.partition(":")
        if scheme == PLAIN and not entry_key_id:
            if self.keyed_from is not None:
                return (
                    f"it is not keyed, yet entries from {self.keyed_from} on are: it was "
                    f"written by a process without {KEY_SETTING}, or forged"
                )
            key: bytes | None = None
        elif scheme == KEYED:
            if self.key is None:
                return (
                    f"it is keyed (audit key id {entry_key_id}) but {KEY_SETTING} is not set "
                    "on the server: set it to the key the log was written with to verify"
                )
            if key_id(self.key) != entry_key_id:
                return (
                    f"it was written with audit key id {entry_key_id}, but {KEY_SETTING} has "
                    f"key id {key_id(self.key)}: set the key the log was written with"
                )
            key = self.key
        else:
            return f"its hash scheme {entry.scheme!r} is unknown"
        if not hmac.compare_digest(entry_hash(entry, key), entry.hash):
            return "its content does not match its hash"
        if key is not None and self.keyed_from is None:
            self.keyed_from = entry.seq
        return None


def verify(session: Session, *, since_head: Head | None = None) -> Verification:
    """Walk the chain in order against the counter; name the first entry that is wrong.

    With ``since_head``, also prove that the entry at that sequence still has that hash,
    which (the chain linking every entry to the one before) means nothing up to it changed.
    Keyed entries are checked with the session's audit key.
    """
    counter = current_value(session, AUDIT_COUNTER)
    walk = _Walk(session_key(session), counter)
    entries = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)
    )
    broken: tuple[int, str] | None = None
    for entry in entries:
        problem = walk.check(entry)
        if problem is not None:
            broken = (min(entry.seq, walk.intact + 1), problem)
            break
        if since_head is not None and entry.seq == since_head.seq:
            walk.hashes_seen[entry.seq] = entry.hash
    if broken is None and walk.intact < counter:
        newest = f"the newest entry is {walk.intact}" if walk.intact else "no entry is left"
        broken = (
            walk.intact + 1,
            f"{_missing(walk.intact + 1, counter)} (the counter is at {counter}; {newest})",
        )
    if since_head is not None and (broken is None or broken[0] > since_head.seq):
        head_problem = _head_problem(since_head, walk, counter)
        if head_problem is not None:
            broken = (since_head.seq, head_problem)
    if broken is not None:
        seq, problem = broken
        return Verification(False, walk.intact, seq, problem, counter, walk.keyed_from)
    confirmed = str(since_head) if since_head is not None else None
    return Verification(True, walk.intact, None, None, counter, walk.keyed_from, confirmed)


def _head_problem(kept: Head, walk: _Walk, counter: int) -> str | None:
    """Why the kept head does not match this log, or None when it does."""
    if kept.seq == 0:
        return None if kept.hash == GENESIS else f"the head of an empty log is 0:{GENESIS}"
    if kept.seq > counter:
        return (
            f"the kept head is entry {kept.seq}, but this log's counter is at {counter}: the "
            "head is from another database, or the log and its counter were rewound"
        )
    # Only called when the walk passed entry kept.seq (kept.seq <= counter, no break before).
    found = walk.hashes_seen[kept.seq]
    if not hmac.compare_digest(found, kept.hash):
        return (
            f"entry {kept.seq} has hash {found[:12]}..., but the kept head says "
            f"{kept.hash[:12]}...: the log was rewritten up to entry {kept.seq}"
        )
    return None
