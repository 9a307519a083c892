"""Deadline clocks: one per regime and clocked stage of an incident, from its own anchor.

A clock runs for a regime the incident's system falls under (from its effective date)
unless the regime was decided not reportable; a submitted report of its stage meets it.
A stage whose anchor is not on the record yet (DORA's major classification, or the
submission of the report before it) waits for that anchor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.db.base import utcnow
from blastwall.incidents.models import Incident
from blastwall.incidents.timeline import require_incident
from blastwall.regulatory import regimes, service
from blastwall.regulatory.enums import Anchor, ClockStatus, Decision, Regime, Stage
from blastwall.regulatory.models import Report, ReportabilityDecision, SystemRegime
from blastwall.regulatory.rules import (
    REGIMES,
    Rule,
    Term,
    applies_without_decision,
    describe,
    due,
    rules_for,
)

CLOSED = ("resolved", "postmortem_done")


@dataclass(frozen=True)
class Clock:
    """One regime's stage of one incident (the API's ``ClockRead``)."""

    incident_id: int
    system: str
    regime: Regime
    stage: Stage
    title: str
    status: ClockStatus
    anchor: dict[str, object] | None
    window: str | None
    variant: str | None
    due_at: datetime | None
    seconds_left: float | None
    overdue: bool
    report_id: int | None
    submitted_at: datetime | None
    late: bool
    decision: Decision
    reason: str


@dataclass(frozen=True)
class _Record:
    """What the clocks of one incident are computed from, read once."""

    incident: Incident
    facts: dict[str, bool]
    anchors: dict[Anchor, service.AnchorTime]
    decisions: dict[Regime, ReportabilityDecision]
    submitted: dict[tuple[str, str], Report]


def _read(session: Session, incident: Incident) -> _Record:
    query = (
        select(Report)
        .where(Report.incident_id == incident.id, Report.submitted_at.is_not(None))
        .order_by(Report.submitted_at, Report.id)
    )
    submitted: dict[tuple[str, str], Report] = {}
    for report in session.scalars(query):
        submitted.setdefault((report.regime, report.stage), report)
    return _Record(
        incident,
        service.facts(session, incident.id),
        service.anchors(session, incident),
        service.decisions(session, incident.id),
        submitted,
    )


def _anchor_time(record: _Record, regime: Regime, term: Term) -> datetime | None:
    kind, _, stage = term.anchor.partition(":")
    if kind == "submitted":
        report = record.submitted.get((regime.value, stage))
        return report.submitted_at if report is not None else None
    found = record.anchors.get(Anchor(term.anchor))
    return found.at if found is not None else None


def _not_applicable(record: _Record, row: SystemRegime, regime: Regime) -> str | None:
    """Why the regime's clocks do not run for this incident, or None."""
    info = REGIMES[regime]
    aware = record.anchors[Anchor.awareness].at
    system = record.incident.system.name if record.incident.system else ""
    if aware.date() < row.effective:
        return (
            f"{info.title} applies to {system} from {row.effective.isoformat()}; "
            f"awareness was {aware.date().isoformat()}"
        )
    decided = record.decisions.get(regime)
    if decided is not None and decided.decision == Decision.not_reportable:
        return (
            f"decided not reportable by {decided.decided_by} at "
            f"{decided.decided_at.isoformat()}: {decided.rationale}"
        )
    reportable = decided is not None and decided.decision == Decision.reportable
    if not reportable and not applies_without_decision(
        regime, record.facts, record.incident.classes
    ):
        return (
            "no personal-data breach on the record: set the fact personal_data "
            f"(blastwall incident fact {record.incident.id} personal_data --yes) or decide "
            "it reportable"
        )
    return None


def _clock(record: _Record, row: SystemRegime, rule: Rule, now: datetime, na: str | None) -> Clock:
    regime, stage = rule.regime, rule.stage
    decided = record.decisions.get(regime)
    decision = Decision(decided.decision) if decided is not None else Decision.undecided
    timed = [(term, _anchor_time(record, regime, term)) for term in rule.terms]
    missing = [term.anchor for term, at in timed if at is None]
    best: tuple[datetime, Term, datetime] | None = None
    if not missing:
        dues = [(due(at, term.window), term, at) for term, at in timed if at is not None]
        best = min(dues, key=lambda item: item[0])
    report = record.submitted.get((regime.value, stage.value))
    status, reason = ClockStatus.running, rule.note
    if na is not None:
        status, reason, best = ClockStatus.not_applicable, na, None
    elif report is not None:
        status = ClockStatus.met
    elif missing:
        status = ClockStatus.waiting_for_anchor
        reason = f"waiting for {', '.join(missing)}" + _how_to_set(record.incident.id, missing)
    causal = record.anchors.get(Anchor.causal_link)
    if regime is Regime.eu_ai_act and causal is not None and status is ClockStatus.running:
        reason = f"causal link recorded at {causal.at.isoformat()}: report immediately. " + reason
    due_at = best[0] if best is not None else None
    left = (
        (due_at - now).total_seconds()
        if due_at is not None and status is ClockStatus.running
        else None
    )
    submitted_at = report.submitted_at if report is not None else None
    return Clock(
        incident_id=record.incident.id,
        system=record.incident.system.name if record.incident.system else "",
        regime=regime,
        stage=stage,
        title=f"{REGIMES[regime].title} {stage.value.replace('_', ' ')}",
        status=status,
        anchor={"name": best[1].anchor, "at": best[2]} if best is not None else None,
        window=describe(best[1].window) if best is not None else None,
        variant=best[1].variant if best is not None else None,
        due_at=due_at,
        seconds_left=left,
        overdue=left is not None and left < 0,
        report_id=report.id if report is not None else None,
        submitted_at=submitted_at,
        late=bool(submitted_at and due_at and submitted_at > due_at),
        decision=decision,
        reason=reason,
    )


def _how_to_set(incident_id: int, missing: list[str]) -> str:
    anchors = [name for name in missing if not name.startswith("submitted:")]
    if not anchors:
        return " (submit the report before it: blastwall report submit REPORT_ID)"
    return f" (blastwall incident anchor {incident_id} {anchors[0]} --at TIME)"


def of_incident(session: Session, incident: Incident, now: datetime | None = None) -> list[Clock]:
    """Every clock of ``incident``, by regime in the order of ``Regime`` then stage."""
    if incident.system_id is None:
        return []
    rows = regimes.for_system_id(session, incident.system_id)
    if not rows:
        return []
    record = _read(session, incident)
    moment = now or utcnow()
    found: list[Clock] = []
    for row in rows:
        regime = Regime(row.regime)
        na = _not_applicable(record, row, regime)
        found += [_clock(record, row, rule, moment, na) for rule in rules_for(regime, record.facts)]
    return found


def for_incident(session: Session, incident_id: int, now: datetime | None = None) -> list[Clock]:
    """The clocks of one incident (NotFound for an unknown id)."""
    return of_incident(session, require_incident(session, incident_id), now)


def for_open(session: Session, now: datetime | None = None) -> list[Clock]:
    """The clocks of every open incident whose system falls under a regime, oldest first."""
    query = (
        select(Incident)
        .where(
            Incident.status.not_in(CLOSED),
            Incident.system_id.in_(select(SystemRegime.system_id)),
        )
        .order_by(Incident.id)
    )
    moment = now or utcnow()
    return [
        clock
        for incident in session.scalars(query)
        for clock in of_incident(session, incident, moment)
    ]
