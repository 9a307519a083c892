"""What a drill measures, from the injection: detect, page, acknowledge, contain, harm, verify.

Every time is seconds from the run's ``started_at`` (the moment the fault was injected),
read from the records the response left: the first incident opened for the system during
the run, its page and milestones, the first lever or rollback made for it, the traces the
fault's signature marks as harmful before containment, and the incident's verification.
What did not happen is listed in ``missing``, so the report says what to practise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.detect import verification
from blastwall.drills.models import DrillRun
from blastwall.drills.scenarios import spec_of
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.registry.models import System
from blastwall.traces.models import Trace

CONTAINING_KINDS = ("lever", "rollback")
"""Timeline kinds of the changes that contain an incident (incidents/containment.py)."""


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds(), 3)


def drill_incident(session: Session, run: DrillRun) -> Incident | None:
    """The first incident opened for the run's system while it ran."""
    query = (
        select(Incident)
        .join(System, Incident.system_id == System.id)
        .where(System.name == run.system, Incident.created_at >= run.started_at)
        .order_by(Incident.id)
        .limit(1)
    )
    if run.ended_at is not None:
        query = query.where(Incident.created_at <= run.ended_at)
    return session.scalar(query)


def _first_entry(
    session: Session, incident_id: int, kinds: tuple[str, ...]
) -> TimelineEntry | None:
    return session.scalar(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind.in_(kinds))
        .order_by(TimelineEntry.id)
        .limit(1)
    )


def harmful_outputs(session: Session, run: DrillRun, until: datetime) -> int:
    """Traces between the injection and ``until`` that carry the fault's harm signature."""
    spec = spec_of(run.scenario)
    traces = session.scalars(
        select(Trace).where(
            Trace.system == run.system,
            Trace.environment == run.environment,
            Trace.canary.is_(False),
            Trace.at >= run.started_at,
            Trace.at <= until,
        )
    )
    return sum(1 for trace in traces if spec.harmful(trace, run.fault))


def measure(session: Session, run: DrillRun, *, now: datetime) -> dict[str, Any]:
    """The run's measurements as they stand at ``now`` (frozen by the service at its end)."""
    start = run.started_at
    end = run.ended_at or now
    found: dict[str, Any] = {
        "incident_id": None,
        "drill_incident": False,
        "monitor": None,
        "time_to_detect_s": None,
        "time_to_page_s": None,
        "time_to_acknowledge_s": None,
        "time_to_contain_s": None,
        "contained_by": None,
        "harmful_outputs": 0,
        "verification": "none",
        "verified": False,
    }
    incident = drill_incident(session, run) if run.mode == "live" else None
    contained_at: datetime | None = None
    if incident is not None:
        contained_at = incident.contained_at
        containing = _first_entry(session, incident.id, CONTAINING_KINDS)
        page = _first_entry(session, incident.id, ("page",))
        alarm = _first_entry(session, incident.id, ("alarm",))
        status = verification.overview(session, incident.id).status
        found |= {
            "incident_id": incident.id,
            "drill_incident": incident.drill,
            "monitor": (alarm.data.get("monitor") if alarm is not None else None),
            "time_to_detect_s": _seconds(start, incident.detected_at),
            "time_to_page_s": _seconds(start, page.at if page else None),
            "time_to_acknowledge_s": _seconds(start, incident.acknowledged_at),
            "time_to_contain_s": _seconds(start, contained_at),
            "contained_by": containing.actor if containing is not None else None,
            "verification": status,
            "verified": status == "verified",
        }
    if run.mode == "live":
        until = min(contained_at, end) if contained_at is not None else end
        found["harmful_outputs"] = harmful_outputs(session, run, until)
    found["missing"] = missing(run, found)
    return found


def missing(run: DrillRun, found: dict[str, Any]) -> list[str]:
    """What the response did not do during the run, in the order it should have happened."""
    if run.mode != "live":
        return []
    expected = spec_of(run.scenario).expected_monitor
    if found["incident_id"] is None:
        return [f"no incident opened: the {expected} monitor never alarmed during the drill"]
    gaps = []
    if found["time_to_page_s"] is None:
        gaps.append("nobody was paged (see the incident timeline: no on-call or channel)")
    if found["time_to_acknowledge_s"] is None:
        gaps.append("nobody acknowledged the incident")
    if found["time_to_contain_s"] is None:
        gaps.append("the incident was not contained (no lever or rollback made for it)")
    elif not found["verified"]:
        gaps.append(f"the containment was not verified (verification: {found['verification']})")
    return gaps
