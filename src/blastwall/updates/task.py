"""The update-reminders task: reminds of overdue incident updates (``reminders.py``)."""

from __future__ import annotations

from blastwall.db.session import unit_of_work
from blastwall.tasks.task import ClockedTask
from blastwall.updates import reminders


class UpdateReminderTask(ClockedTask):
    """A background task (``name``, ``interval_s``, ``tick``) run on one replica at a time.

    One tick is one short transaction over the open incidents, so it ends within a second
    and the runner stops it promptly on SIGTERM; ``clock`` is fixed in tests.
    """

    name = "update-reminders"
    default_interval_s = 30.0

    def tick(self) -> None:
        """Send every reminder that is due now."""
        with unit_of_work(self.factory) as session:
            reminders.remind_due(session, self.clock())
