"""One call records every change of state: the audit entry, then its subscribers.

A domain never writes another domain's records. It describes what changed as a
:class:`Change` and calls :func:`record`, which

1. appends the hash-chained audit entry (``changes.audit``),
2. hands the change to every *in-transaction* subscriber, in the same unit of work, so
   what they write (an incident's timeline entry, a notification in the outbox) commits
   or rolls back with the change itself,
3. queues every *after-commit* subscriber (lever streams, wake-ups of background tasks),
   which runs only once the transaction has committed.

Subscribers live with the domain that owns what they write and are listed at the top of
the house, in ``blastwall.wiring``; ``record`` loads that module on first use, so the
server, the CLI, tests and scripts all get the same subscribers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import audit
from blastwall.changes.models import AuditEntry
from blastwall.db.session import on_commit


@dataclass(frozen=True)
class Change:
    """What changed, described once for the audit log and every subscriber.

    ``action`` is ``<domain>.<verb>`` (``lever.kill``, ``incident.opened``,
    ``release.rollback``); ``target`` names the thing changed (``support-bot/prod``).
    ``system`` and ``incident_id`` let subscribers route without parsing ``target``;
    ``data`` carries what a subscriber needs beyond the audit entry (not hashed, not stored
    by the audit log; the timeline or outbox may store it). ``timeline`` is the sentence an
    incident timeline shows for this change, when the change concerns an incident.
    """

    action: str
    target: str
    actor: Actor
    reason: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    incident_id: int | None = None
    system: str | None = None
    timeline: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        """The part of ``action`` before the first dot: ``lever``, ``incident``, ..."""
        return self.action.partition(".")[0]


@dataclass(frozen=True)
class Recorded:
    """A change with the audit entry it produced: what subscribers receive."""

    change: Change
    entry: AuditEntry

    @property
    def audit_seq(self) -> int:
        return self.entry.seq


InTransaction = Callable[[Session, Recorded], None]
AfterCommit = Callable[[Recorded], None]


@dataclass
class _Subscribers:
    in_transaction: list[tuple[str, InTransaction]] = field(default_factory=list)
    after_commit: list[tuple[str, AfterCommit]] = field(default_factory=list)
    wired: bool = False


_SUBSCRIBERS = _Subscribers()
WIRING_MODULE = "blastwall.wiring"


def subscribe(prefix: str, handler: InTransaction) -> None:
    """Call ``handler(session, recorded)`` inside the transaction for matching actions.

    ``prefix`` matches the start of ``Change.action`` (``""`` matches every change,
    ``"incident."`` every incident change). A handler that raises rolls the change back.
    """
    _SUBSCRIBERS.in_transaction.append((prefix, handler))


def subscribe_after_commit(prefix: str, handler: AfterCommit) -> None:
    """Call ``handler(recorded)`` once the change's transaction has committed."""
    _SUBSCRIBERS.after_commit.append((prefix, handler))


def ensure_wired() -> None:
    """Load ``blastwall.wiring`` once, so every entry point has the same subscribers."""
    if not _SUBSCRIBERS.wired:
        _SUBSCRIBERS.wired = True
        importlib.import_module(WIRING_MODULE)


def record(session: Session, change: Change) -> Recorded:
    """Audit ``change`` and hand it to its subscribers; the caller still owns the commit."""
    ensure_wired()
    entry = audit.append(
        session,
        actor=change.actor,
        action=change.action,
        target=change.target,
        reason=change.reason,
        before=change.before,
        after=change.after,
        incident_id=change.incident_id,
    )
    recorded = Recorded(change, entry)
    for prefix, handler in list(_SUBSCRIBERS.in_transaction):
        if change.action.startswith(prefix):
            handler(session, recorded)
    for prefix, after in list(_SUBSCRIBERS.after_commit):
        if change.action.startswith(prefix):
            on_commit(session, _bind(after, recorded))
    return recorded


def _bind(handler: AfterCommit, recorded: Recorded) -> Callable[[], None]:
    return lambda: handler(recorded)
