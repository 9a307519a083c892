"""In-process notice that a lever revision committed, so streams push it without waiting.

A lever change is announced once its transaction commits: ``announce_change`` subscribes
to ``lever.*`` changes after commit (``blastwall.wiring``); each stream broadcaster in
this process listens. Changes committed by other processes reach the streams through
their periodic database check instead, so a missed notice only costs latency.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from blastwall.changes import Recorded

Listener = Callable[[int], None]

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Call ``listener(revision)`` after each lever change commits in this process."""
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
            _log.exception("lever listener failed for revision %d", revision)


def announce_change(recorded: Recorded) -> None:
    """After-commit subscriber: announce the revision a committed lever change produced."""
    after = recorded.change.after or {}
    revision = after.get("revision")
    if isinstance(revision, int):
        announce(revision)
