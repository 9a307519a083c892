"""Words shared by several pages: lever states and open incidents as people read them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.detect.monitors.models import Alarm
from blastwall.incidents.enums import Status
from blastwall.incidents.models import Incident
from blastwall.levers.models import LeverState
from blastwall.traces.models import Trace

RECENT = timedelta(seconds=60)

OPEN = (Status.detected, Status.triaged, Status.contained, Status.mitigated)


def lever_words(state: LeverState) -> list[str]:
    """Each lever that is not normal, in words ('KILLED', 'safe mode'); empty when normal."""
    words = []
    if state.killed:
        words.append("KILLED")
    if state.human_fallback:
        words.append("human fallback")
    if state.safe_mode:
        words.append("safe mode")
    if state.reroute_model:
        words.append(f"rerouted to {state.reroute_model}")
    if state.filters or state.filter_terms or state.filter_patterns:
        names = [*state.filters, *(["terms"] if state.filter_terms else [])]
        names += ["patterns"] if state.filter_patterns else []
        words.append("filters: " + ", ".join(names))
    if state.disabled_tools:
        words.append("tools off: " + ", ".join(state.disabled_tools))
    if state.retrieval_sources is not None:
        words.append("retrieval limited to: " + (", ".join(state.retrieval_sources) or "none"))
    return words


def open_incidents(session: Session, system_id: int | None = None) -> list[Incident]:
    """Incidents not yet resolved, most severe then newest first."""
    query = select(Incident).where(Incident.status.in_([s.value for s in OPEN]))
    if system_id is not None:
        query = query.where(Incident.system_id == system_id)
    return list(session.scalars(query.order_by(Incident.severity, Incident.id.desc())))


def alarms_of(session: Session, incident_ids: list[int]) -> list[Alarm]:
    """The alarms that opened or joined these incidents, newest first."""
    if not incident_ids:
        return []
    query = select(Alarm).where(Alarm.incident_id.in_(incident_ids)).order_by(Alarm.id.desc())
    return list(session.scalars(query))


def recent_decisions(session: Session, now: datetime) -> dict[str, Counter[str]]:
    """Per system, what the SDK decided for production calls received in the last minute
    ('proceed', 'killed', ...): how a lever's effect on real traffic shows."""
    rows = session.execute(
        select(Trace.system, Trace.decision, func.count())
        .where(Trace.received_at >= now - RECENT, Trace.canary.is_(False))
        .group_by(Trace.system, Trace.decision)
    )
    found: dict[str, Counter[str]] = {}
    for system, decision, count in rows:
        found.setdefault(system, Counter())[decision] = count
    return found
