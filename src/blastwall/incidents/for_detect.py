"""What incidents offers detect: the intake for alarms, the change entries to verify.

Detect sits lower in the house and declares the ports it needs (``detect.alarms.Intake``,
``detect.verification.Timeline``); these adapters implement them over incidents' own
records and ``blastwall.wiring`` connects them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.detect.alarms import Raised
from blastwall.detect.verification import ChangeEntry
from blastwall.incidents import intake
from blastwall.incidents.enums import Harm, IncidentClass
from blastwall.incidents.models import TimelineEntry


class MonitorIntake:
    """``detect.alarms.Intake``: a monitor's alarm is a signal keyed by the monitor's id."""

    def joined(self, session: Session, key: str) -> int | None:
        row = intake.joined(session, intake.Source.monitor, key)
        return row.incident_id if row is not None else None

    def receive(self, session: Session, raised: Raised) -> int:
        signal = intake.Signal(
            source=intake.Source.monitor,
            key=raised.key,
            system=raised.system,
            title=raised.title,
            message=raised.message,
            action="alarm.raised",
            started_at=raised.started_at,
            received_at=raised.received_at,
            harm=Harm(raised.harm) if raised.harm else Harm.none,
            classes=[IncidentClass(c) for c in raised.classes],
            summary=raised.summary,
            evidence=raised.evidence,
            count=raised.count,
            after={
                "alarm_id": raised.evidence.get("alarm_id"),
                "monitor": raised.evidence.get("monitor"),
            },
        )
        return intake.receive(session, signal, raised.actor).incident_id


class VerificationTimeline:
    """``detect.verification.Timeline``: the change entries (rollback, lever, release) to verify."""

    def changes(
        self, session: Session, incident_ids: Sequence[int], kinds: Sequence[str]
    ) -> list[ChangeEntry]:
        if not incident_ids:
            return []
        rows = session.execute(
            select(
                TimelineEntry.id, TimelineEntry.incident_id, TimelineEntry.kind, TimelineEntry.at
            )
            .where(TimelineEntry.incident_id.in_(incident_ids), TimelineEntry.kind.in_(kinds))
            .order_by(TimelineEntry.id)
        ).all()
        return [ChangeEntry(id=r[0], incident_id=r[1], kind=r[2], at=r[3]) for r in rows]
