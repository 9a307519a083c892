"""An incident's regulatory record: reportability decisions, facts and anchors.

Each is a recorded change on the incident (``incident.reportable``, ``incident.fact``,
``incident.anchor``), so it lands on the timeline and in the audit log. Decisions keep
their history (the latest per regime is current); facts and anchors keep their current
value here and their history in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.exceptions import InvalidInput
from blastwall.incidents.models import Incident
from blastwall.incidents.timeline import require_incident
from blastwall.regulatory.enums import Anchor, Decision, Fact, Regime
from blastwall.regulatory.models import IncidentAnchor, IncidentFact, ReportabilityDecision

DECIDE = "incident.reportable"
SET_FACT = "incident.fact"
SET_ANCHOR = "incident.anchor"
FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of this server's clock an anchor may be (another machine's clock skew)."""


@dataclass(frozen=True)
class AnchorTime:
    """An anchor's time and who set it (``system`` for awareness defaulting to detection)."""

    name: Anchor
    at: datetime
    set_by: str
    reason: str


def _system(incident: Incident) -> str | None:
    return incident.system.name if incident.system is not None else None


def history(session: Session, incident_id: int) -> list[ReportabilityDecision]:
    """Every decision on the incident, oldest first."""
    query = (
        select(ReportabilityDecision)
        .where(ReportabilityDecision.incident_id == incident_id)
        .order_by(ReportabilityDecision.id)
    )
    return list(session.scalars(query))


def decisions(session: Session, incident_id: int) -> dict[Regime, ReportabilityDecision]:
    """The current decision per regime (the latest one)."""
    return {Regime(row.regime): row for row in history(session, incident_id)}


def decide(
    session: Session,
    incident_id: int,
    regime: Regime,
    decision: Decision,
    *,
    rationale: str,
    actor: Actor,
) -> ReportabilityDecision:
    """Record a (revised) decision; the earlier ones stay as history."""
    incident = require_incident(session, incident_id, for_update=True)
    previous = decisions(session, incident_id).get(regime)
    row = ReportabilityDecision(
        incident_id=incident_id,
        regime=regime.value,
        decision=decision.value,
        rationale=rationale,
        decided_by=actor.name,
    )
    session.add(row)
    session.flush()
    word = decision.value.replace("_", " ")
    record(
        session,
        Change(
            action=DECIDE,
            target=f"incident/{incident_id}",
            actor=actor,
            reason=rationale,
            before={"regime": regime.value, "decision": previous.decision} if previous else None,
            after={"regime": regime.value, "decision": decision.value},
            incident_id=incident_id,
            system=_system(incident),
            timeline=f"Reportability under {regime.value}: {word}. Why: {rationale}",
            data={"regime": regime.value, "decision": decision.value, "decision_id": row.id},
        ),
    )
    return row


def facts(session: Session, incident_id: int) -> dict[str, bool]:
    """The facts recorded on the incident, by name (unset facts are absent)."""
    query = select(IncidentFact).where(IncidentFact.incident_id == incident_id)
    return {row.name: row.value for row in session.scalars(query)}


def set_fact(
    session: Session, incident_id: int, name: Fact, value: bool, *, reason: str, actor: Actor
) -> IncidentFact:
    """Record a fact (``death``, ``widespread``, ...) that picks deadline variants."""
    incident = require_incident(session, incident_id, for_update=True)
    query = select(IncidentFact).where(
        IncidentFact.incident_id == incident_id, IncidentFact.name == name.value
    )
    row = session.scalar(query)
    before = None if row is None else row.value
    if row is None:
        row = IncidentFact(incident_id=incident_id, name=name.value, value=value, set_by="")
        session.add(row)
    row.value, row.set_by, row.set_at = value, actor.name, utcnow()
    session.flush()
    said = "yes" if value else "no"
    record(
        session,
        Change(
            action=SET_FACT,
            target=f"incident/{incident_id}",
            actor=actor,
            reason=reason,
            before={name.value: before},
            after={name.value: value},
            incident_id=incident_id,
            system=_system(incident),
            timeline=f"Fact {name.value}: {said}" + (f". Why: {reason}" if reason else ""),
            data={"fact": name.value, "value": value},
        ),
    )
    return row


def anchors(session: Session, incident: Incident) -> dict[Anchor, AnchorTime]:
    """Every anchor set on the incident; awareness defaults to its detection time."""
    query = select(IncidentAnchor).where(IncidentAnchor.incident_id == incident.id)
    found = {
        Anchor(row.name): AnchorTime(Anchor(row.name), row.at, row.set_by, row.reason)
        for row in session.scalars(query)
    }
    if Anchor.awareness not in found:
        found[Anchor.awareness] = AnchorTime(
            Anchor.awareness, incident.detected_at, "system", "default: when it was detected"
        )
    return found


def set_anchor(
    session: Session, incident_id: int, name: Anchor, at: datetime, *, reason: str, actor: Actor
) -> IncidentAnchor:
    """Record when an anchor happened (awareness, major classification, causal link)."""
    if at > utcnow() + FUTURE_SLACK:
        raise InvalidInput(
            f"{name.value} at {at.isoformat()} is in the future: an anchor records when "
            "something happened; give that time (RFC 3339, e.g. 2026-12-06T09:30:00Z)",
            field="at",
        )
    incident = require_incident(session, incident_id, for_update=True)
    query = select(IncidentAnchor).where(
        IncidentAnchor.incident_id == incident_id, IncidentAnchor.name == name.value
    )
    row = session.scalar(query)
    before = None if row is None else row.at.isoformat()
    if row is None:
        row = IncidentAnchor(incident_id=incident_id, name=name.value, at=at, set_by="")
        session.add(row)
    row.at, row.reason, row.set_by, row.set_at = at, reason, actor.name, utcnow()
    session.flush()
    record(
        session,
        Change(
            action=SET_ANCHOR,
            target=f"incident/{incident_id}",
            actor=actor,
            reason=reason,
            before={name.value: before},
            after={name.value: at.isoformat()},
            incident_id=incident_id,
            system=_system(incident),
            timeline=f"Anchor {name.value} set to {at.isoformat()}"
            + (f". Why: {reason}" if reason else ""),
            data={"anchor": name.value, "at": at.isoformat()},
        ),
    )
    return row
