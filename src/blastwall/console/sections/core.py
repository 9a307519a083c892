"""The data of the incident sections that exist today, each read through its domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.blastradius import service as blastradius
from blastwall.blastradius.schemas import BlastRadius
from blastwall.comms import ledger as comms_ledger
from blastwall.comms.models import LedgerEntry
from blastwall.console.views.common import alarms_of
from blastwall.detect import verification
from blastwall.detect.monitors.models import Alarm
from blastwall.detect.monitors.schemas import IncidentVerificationRead
from blastwall.incidents.models import Incident, IncidentSignal, RoleAssignment, TimelineEntry

LEVER_KINDS = ("lever", "rollback", "release")


@dataclass
class Signals:
    alarms: list[Alarm]
    signals: list[IncidentSignal]


def signals(session: Session, incident: Incident) -> Signals:
    """Monitor alarms (with their evidence) and alerts from other tools on the incident."""
    rows = session.scalars(
        select(IncidentSignal)
        .where(IncidentSignal.incident_id == incident.id)
        .order_by(IncidentSignal.id)
    )
    return Signals(alarms_of(session, [incident.id]), list(rows))


@dataclass
class Levers:
    changes: list[TimelineEntry]
    verification: IncidentVerificationRead


def levers(session: Session, incident: Incident) -> Levers:
    """Lever changes, rollbacks and releases linked to the incident, and their verification."""
    rows = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id, TimelineEntry.kind.in_(LEVER_KINDS))
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return Levers(list(rows), verification.overview(session, incident.id))


def blast_radius(session: Session, incident: Incident) -> BlastRadius:
    """The incident's blast radius, computed once per page (the notices section reads it too:
    on a large window it is the page's dearest query)."""
    key = ("console.blast_radius", incident.id)
    found = session.info.get(key)
    if not isinstance(found, BlastRadius):
        found = blastradius.compute(session, incident.id, examples=3)
        session.info[key] = found
    return found


def roles(session: Session, incident: Incident) -> list[RoleAssignment]:
    return sorted(incident.roles, key=lambda r: (r.role, r.assigned_at))


def timeline(session: Session, incident: Incident) -> list[TimelineEntry]:
    """Every entry, newest first (what just happened is what a responder looks for)."""
    rows = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
    )
    return list(rows)


def ledger(session: Session, incident: Incident) -> list[LedgerEntry]:
    return comms_ledger.for_incident(session, incident.id)


def evidence_lines(alarm: Alarm) -> list[str]:
    """An alarm's baseline against what was seen, as lines a person reads."""
    lines = [alarm.description]
    baseline: Any = alarm.baseline
    current: Any = alarm.current
    if isinstance(baseline, dict) and isinstance(current, dict):
        for key in baseline:
            lines.append(f"{key}: baseline {_fmt(baseline.get(key))}, now {_fmt(current.get(key))}")
    return lines


def _fmt(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, float) and 0 <= value <= 1 else str(value)
