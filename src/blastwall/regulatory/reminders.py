"""Reminders before each regulator deadline: at set percents of the window, and overdue.

A background task (``ReminderTask``, in ``server/background.py``; one replica at a time on
PostgreSQL) looks at the running clocks of open incidents. For each clock and threshold
crossed it writes one ``Reminder`` row (unique per clock and threshold, so never twice)
and records one ``regulatory.reminder`` change for the highest new threshold, which the
outbox routes to the channels whose routes name the ``regulatory.reminder`` event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.config import get_settings
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.regulatory import clocks
from blastwall.regulatory.clocks import Clock
from blastwall.regulatory.enums import ClockStatus
from blastwall.regulatory.models import Reminder
from blastwall.tasks.task import ClockedTask

ACTION = "regulatory.reminder"
REMINDER = Actor(name="regulatory-reminders", role=Role.responder)
OVERDUE = 100


def crossed(clock: Clock, now: datetime, thresholds: Sequence[int]) -> list[int]:
    """The thresholds (percent of the window) ``now`` has reached on a running clock."""
    if clock.status is not ClockStatus.running or clock.due_at is None or clock.anchor is None:
        return []
    start = clock.anchor["at"]
    assert isinstance(start, datetime)
    window = (clock.due_at - start).total_seconds()
    if window <= 0:
        return [t for t in thresholds if t == OVERDUE] if now >= clock.due_at else []
    elapsed = (now - start).total_seconds() / window * 100
    found = [t for t in thresholds if t < OVERDUE and elapsed >= t]
    return found + ([OVERDUE] if OVERDUE in thresholds and now > clock.due_at else [])


def _sent(session: Session, clock: Clock) -> set[int]:
    query = select(Reminder.threshold).where(
        Reminder.incident_id == clock.incident_id,
        Reminder.regime == clock.regime.value,
        Reminder.stage == clock.stage.value,
    )
    return set(session.scalars(query))


def _sentence(clock: Clock, threshold: int, now: datetime) -> str:
    assert clock.due_at is not None
    due = clock.due_at.isoformat()
    if threshold == OVERDUE:
        return f"OVERDUE: {clock.title} report was due at {due} ({clock.window} window)"
    left = clock.due_at - now
    hours, rest = divmod(int(left.total_seconds()) // 60, 60)
    return (
        f"Reminder: {clock.title} report due at {due}, {hours}h{rest:02d}m left "
        f"({threshold}% of the {clock.window} window gone)"
    )


def remind(session: Session, now: datetime, thresholds: Sequence[int]) -> int:
    """Send every reminder due at ``now``; returns how many changes were recorded."""
    count = 0
    for clock in clocks.for_open(session, now):
        new = [t for t in crossed(clock, now, thresholds) if t not in _sent(session, clock)]
        if not new:
            continue
        highest = max(new)
        sentence = _sentence(clock, highest, now)
        recorded = record(
            session,
            Change(
                action=ACTION,
                target=f"incident/{clock.incident_id}/{clock.regime.value}/{clock.stage.value}",
                actor=REMINDER,
                reason=sentence,
                after={
                    "regime": clock.regime.value,
                    "stage": clock.stage.value,
                    "threshold": highest,
                    "due_at": clock.due_at.isoformat() if clock.due_at else None,
                },
                incident_id=clock.incident_id,
                system=clock.system,
                timeline=sentence,
                data={
                    "regime": clock.regime.value,
                    "stage": clock.stage.value,
                    "threshold": highest,
                },
            ),
        )
        for threshold in new:
            assert clock.due_at is not None
            session.add(
                Reminder(
                    incident_id=clock.incident_id,
                    regime=clock.regime.value,
                    stage=clock.stage.value,
                    threshold=threshold,
                    due_at=clock.due_at,
                    sent_at=now,
                    audit_seq=recorded.audit_seq if threshold == highest else None,
                )
            )
        session.flush()
        count += 1
    return count


class ReminderTask(ClockedTask):
    """A background task (``name``, ``interval_s``, ``tick``) run on one replica.

    One tick is one transaction: the reminder rows and their changes (and so their outbox
    rows) commit together, or not at all. ``clock`` is fixed in tests.
    """

    name = "regulatory-reminders"
    default_interval_s = 60.0

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        interval_s: float | None = None,
        thresholds: Sequence[int] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(factory, interval_s=interval_s, clock=clock)
        self.thresholds = list(thresholds or get_settings().regulatory_reminder_thresholds)

    def tick(self) -> None:
        with unit_of_work(self.factory) as session:
            remind(session, self.clock(), self.thresholds)
