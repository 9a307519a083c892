"""The incident sections of regulator reporting: deadline clocks and report lineage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from blastwall.incidents.models import Incident
from blastwall.regulatory import clocks as regulator_clocks
from blastwall.regulatory import reports as regulator_reports
from blastwall.regulatory.models import Report


def clocks(session: Session, incident: Incident) -> list[regulator_clocks.Clock]:
    """One clock per regime and stage of the incident's system, soonest due first."""
    found = regulator_clocks.of_incident(session, incident)
    return sorted(found, key=lambda c: (c.due_at is None, c.due_at or incident.detected_at))


@dataclass(frozen=True)
class ReportView:
    report: Report
    superseded: bool


def reports(session: Session, incident: Incident) -> list[ReportView]:
    """Every report draft of the incident in lineage order, each marked if superseded."""
    found = regulator_reports.lineage(session, incident.id)
    replaced = regulator_reports.superseded_ids(found)
    return [ReportView(r, r.id in replaced) for r in found]
