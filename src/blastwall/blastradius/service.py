"""Compute an incident's blast radius and list the users it reached."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from blastwall.blastradius.schemas import ActionCount, BlastRadius, TraceExample
from blastwall.exceptions import NotFound
from blastwall.incidents.models import Incident
from blastwall.traces.models import Trace

FIRED = ("fired", "approved")


def window(incident: Incident, now: datetime | None = None) -> tuple[datetime, datetime]:
    """From the (possibly set back) start to containment, resolution or now."""
    end = incident.contained_at or incident.resolved_at or now or datetime.now(UTC)
    return incident.started_at, max(end, incident.started_at)


def systems_of(incident: Incident) -> list[str]:
    return [incident.system.name] if incident.system is not None else []


def compute(
    session: Session, incident_id: int, *, now: datetime | None = None, examples: int = 5
) -> BlastRadius:
    """The incident's blast radius; raises NotFound for an unknown incident."""
    incident = _incident(session, incident_id)
    start, end = window(incident, now)
    systems = systems_of(incident)
    users: set[str] = set()
    labels: Counter[str] = Counter()
    fired: Counter[tuple[str, bool]] = Counter()
    shown: list[TraceExample] = []
    traces = 0
    for trace in session.scalars(_in_window(systems, start, end)):
        traces += 1
        if trace.user_id is not None:
            users.add(trace.user_id)
        labels[trace.label or "(none)"] += 1
        for action in trace.payload.get("actions") or []:
            if action.get("status") in FIRED:
                fired[(str(action["name"]), bool(action["reversible"]))] += 1
        if len(shown) < examples:
            shown.append(_example(trace))
    return BlastRadius(
        incident_id=incident.id,
        systems=systems,
        start=start,
        end=end,
        users=len(users),
        traces=traces,
        outputs_by_label=dict(labels),
        reversible_actions=sum(n for (_, rev), n in fired.items() if rev),
        irreversible_actions=sum(n for (_, rev), n in fired.items() if not rev),
        actions=[ActionCount(name=n, reversible=r, fired=c) for (n, r), c in fired.items()],
        examples=shown,
    )


def affected_users(
    session: Session, incident_id: int, *, now: datetime | None = None
) -> Iterator[str]:
    """Each distinct affected user id once, sorted (for a notice's recipient export)."""
    incident = _incident(session, incident_id)
    start, end = window(incident, now)
    query = (
        select(Trace.user_id)
        .where(Trace.system.in_(systems_of(incident)), Trace.at >= start, Trace.at <= end)
        .where(Trace.canary.is_(False), Trace.user_id.is_not(None))
        .distinct()
        .order_by(Trace.user_id)
    )
    for user_id in session.scalars(query):
        if user_id is not None:
            yield user_id


def _incident(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} not found")
    return incident


def _in_window(systems: list[str], start: datetime, end: datetime) -> Select[Trace]:
    return (
        select(Trace)
        .where(Trace.system.in_(systems), Trace.at >= start, Trace.at <= end)
        .where(Trace.canary.is_(False))
        .order_by(Trace.at)
    )


def _example(trace: Trace) -> TraceExample:
    return TraceExample(
        trace_id=trace.trace_id,
        at=trace.at,
        user_id=trace.user_id,
        label=trace.label,
        output=trace.output_text,
    )
