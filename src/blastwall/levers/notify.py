"""In-process notice that a lever revision committed, so streams push it without waiting.

A lever change is announced once its transaction commits: ``announce_change`` subscribes
to ``lever.*`` changes after commit (``blastwall.wiring``); each stream broadcaster in
this process listens. Changes committed by other processes reach the streams through
their periodic database check instead, so a missed notice only costs latency.
"""

from __future__ import annotations

from blastwall.changes import Recorded
from blastwall.changes.revisions import Listener, announce, listen, unlisten

__all__ = ["Listener", "announce", "announce_change", "listen", "unlisten"]


def announce_change(recorded: Recorded) -> None:
    """After-commit subscriber: announce the revision a committed lever change produced."""
    after = recorded.change.after or {}
    revision = after.get("revision")
    if isinstance(revision, int):
        announce(revision)
