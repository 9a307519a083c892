"""The stream revision: one ordered sequence for everything SDKs follow.

Lever changes and release activations or rollbacks each draw the next value of one
counter, so the lever stream and ``GET /levers`` carry both in one order and an SDK
resuming from revision N misses neither. Both ``levers`` and ``registry`` draw from it,
so it lives here, below both, with the in-process notice that a revision committed
(lever streams listen; other processes find it by their periodic database check).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from blastwall.changes import audit
from blastwall.db.counters import current_value, next_value
from blastwall.db.session import on_commit

LEVER_REVISION = "lever_revision"

Listener = Callable[[int], None]

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_listeners: list[Listener] = []


def lock(session: Session) -> None:
    """Hold the audit chain, then the revision counter, until commit (every writer's order)."""
    # Taking them the other way round could deadlock against another writer on PostgreSQL.
    audit.lock(session)
    audit.lock_counter(session, LEVER_REVISION)


def draw(session: Session) -> int:
    """The next revision; call :func:`lock` first when the change may turn out a no-op."""
    return next_value(session, LEVER_REVISION)


def current(session: Session) -> int:
    """The newest revision drawn (0 before the first)."""
    return current_value(session, LEVER_REVISION)


def listen(listener: Listener) -> None:
    """Call ``listener(revision)`` after each revision commits in this process."""
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def unlisten(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def announce(revision: int) -> None:
    """Tell every listener; a failing listener must not undo or hide a committed change."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(revision)
        except Exception:
            _log.exception("revision listener failed for revision %d", revision)


def announce_after_commit(session: Session, revision: int) -> None:
    """Announce ``revision`` once the session's transaction commits (never on rollback)."""
    on_commit(session, partial(announce, revision))
