"""The dispatcher's wake-up: set after a commit that queued notifications, so they go at once.

Process-local: a change committed by another process (the CLI, another replica) is found
by the dispatcher's next poll instead (``BLASTWALL_NOTIFY_INTERVAL_S``).
"""

from __future__ import annotations

import threading

from blastwall.changes import Recorded

WAKE = threading.Event()


def wake(_: Recorded) -> None:
    """After-commit subscriber: tell the dispatcher there may be something new to send."""
    WAKE.set()
