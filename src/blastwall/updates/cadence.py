"""When an incident's next update is due, and whether it is overdue.

The clock starts when the incident is detected and restarts at every posted update
(``incident.update_posted`` in the audit log, the one record of it); the interval is the
cadence of the incident's current severity. A resolved incident owes no more updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.changes.models import AuditEntry
from blastwall.incidents.enums import Status
from blastwall.incidents.models import Incident
from blastwall.updates import config

POSTED = "incident.update_posted"
CLOSED = frozenset({Status.resolved.value, Status.postmortem_done.value})


@dataclass(frozen=True)
class Cadence:
    """An incident's update clock at ``now``.

    ``next_due`` is None once the incident is resolved; ``overdue_s`` is how long past
    ``next_due`` it is (0 when not overdue).
    """

    interval_s: int
    last_update_at: datetime | None
    next_due: datetime | None
    overdue: bool
    overdue_s: int


def last_update_at(session: Session, incident_id: int) -> datetime | None:
    """When the incident's latest update was posted, or None when none was."""
    return session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.incident_id == incident_id, AuditEntry.action == POSTED
        )
    )


def of(
    session: Session,
    incident: Incident,
    now: datetime,
    settings: config.Communications | None = None,
) -> Cadence:
    """The update clock of ``incident`` at ``now`` (settings read when not given)."""
    settings = settings or config.current(session)
    interval = settings.interval_s(incident.severity)
    last = last_update_at(session, incident.id)
    if incident.status in CLOSED:
        return Cadence(interval, last, None, False, 0)
    due = (last or incident.detected_at) + timedelta(seconds=interval)
    late = int((now - due).total_seconds())
    return Cadence(interval, last, due, late > 0, max(late, 0))
