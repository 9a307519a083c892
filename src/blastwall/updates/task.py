"""The update-reminders task: reminds of overdue incident updates (``reminders.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.updates import reminders


class UpdateReminderTask:
    """A background task (``name``, ``interval_s``, ``tick``) run on one replica at a time.

    One tick is one short transaction over the open incidents, so it ends within a second
    and the runner stops it promptly on SIGTERM; ``clock`` is fixed in tests.
    """

    name = "update-reminders"

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        interval_s: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.factory = factory
        self.interval_s = interval_s
        self.clock = clock

    def tick(self) -> None:
        """Send every reminder that is due now."""
        with unit_of_work(self.factory) as session:
            reminders.remind_due(session, self.clock())
