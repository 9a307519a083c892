"""The dispatcher's wake-up: set after a commit that queued notifications, so they go at once.

Process-local: a change committed by another process (the CLI, another replica) is found
by the dispatcher's next poll instead (``BLASTWALL_NOTIFY_INTERVAL_S``).
"""

from __future__ import annotations

import threading

from blastwall.changes import Recorded
from blastwall.notify.events import NOTIFICATION_DOMAIN

WAKE = threading.Event()


def wake(recorded: Recorded) -> None:
    """After-commit subscriber: tell the dispatcher there may be something new to send.

    Not for the dispatcher's own records (``notification.*``), which never queue anything.
    """
    if recorded.change.domain != NOTIFICATION_DOMAIN:
        WAKE.set()
