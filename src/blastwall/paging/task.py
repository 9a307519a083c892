"""The escalation task: pages the next level of every incident whose delay ran out."""

from __future__ import annotations

import time

from blastwall.db.session import unit_of_work
from blastwall.paging import service
from blastwall.tasks.task import ClockedTask

MAX_TICK_S = 5.0
"""Longest one tick keeps escalating, so the runner can stop it within seconds."""


class EscalationTask(ClockedTask):
    """A background task (``name``, ``interval_s``, ``tick``) run on one replica.

    Each escalation moves in its own transaction: the row is locked, the next level's pages
    go into the outbox and the row's state moves, then it commits. A tick that dies half-way
    leaves the row as it was, so nobody is paged twice. ``clock`` is fixed in tests.
    """

    name = "escalation"
    default_interval_s = 5.0

    def tick(self) -> None:
        """Escalate every due row (bounded to ``MAX_TICK_S``)."""
        started = time.monotonic()
        while self.run_once() and time.monotonic() - started < MAX_TICK_S:
            pass

    def run_once(self) -> bool:
        """Escalate one due row; False when none was due."""
        now = self.clock()
        with unit_of_work(self.factory) as session:
            row = service.due(session, now)
            if row is None:
                return False
            service.escalate(session, row, now)
            return True
