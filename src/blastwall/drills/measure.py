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
from blastwall.incidents.models import Incident, IncidentSignal, TimelineEntry
from blastwall.registry.models import System
from blastwall.traces.models import Trace

CONTAINING_KINDS = ("lever", "rollback")
"""Timeline kinds of the changes that contain an incident (incidents/containment.py)."""


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds(), 3)


def detection(session: Session, run: DrillRun) -> tuple[Incident, datetime] | None:
    """The incident that detected the fault, and when: the first alarm or alert on the
    system during the run (which opens an incident or joins the one already open), else
    the first incident a person opened for the system during the run."""
    signal = session.scalar(
        select(IncidentSignal)
        .where(IncidentSignal.system == run.system, IncidentSignal.received_at >= run.started_at)
        .order_by(IncidentSignal.id)
        .limit(1)
    )
    if signal is not None and (run.ended_at is None or signal.received_at <= run.ended_at):
        return session.get_one(Incident, signal.incident_id), signal.received_at
    query = (
        select(Incident)
        .join(System, Incident.system_id == System.id)
        .where(System.name == run.system, Incident.created_at >= run.started_at)
        .order_by(Incident.id)
        .limit(1)
    )
    if run.ended_at is not None:
        query = query.where(Incident.created_at <= run.ended_at)
    incident = session.scalar(query)
    return (incident, incident.detected_at) if incident is not None else None


def drill_incident(session: Session, run: DrillRun) -> Incident | None:
    """The incident the drill's fault was detected on, if any yet."""
    found = detection(session, run)
    return found[0] if found is not None else None


def _first_entry(
    session: Session, incident_id: int, kinds: tuple[str, ...], since: datetime
) -> TimelineEntry | None:
    """The first entry of one of ``kinds`` on the incident's timeline at or after ``since``."""
    return session.scalar(
        select(TimelineEntry)
        .where(
            TimelineEntry.incident_id == incident_id,
            TimelineEntry.kind.in_(kinds),
            TimelineEntry.at >= since,
        )
        .order_by(TimelineEntry.id)
        .limit(1)
    )


def first_page(session: Session, incident_id: int, since: datetime) -> TimelineEntry | None:
    """The first page that reached someone (a page entry that sent on some channel); a page
    that could not be sent ("no channel can send e-mail") is a gap, not a page."""
    entries = session.scalars(
        select(TimelineEntry)
        .where(
            TimelineEntry.incident_id == incident_id,
            TimelineEntry.kind == "page",
            TimelineEntry.at >= since,
        )
        .order_by(TimelineEntry.id)
    )
    return next((e for e in entries if e.data.get("sent")), None)


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
    detected = detection(session, run) if run.mode == "live" else None
    contained_at: datetime | None = None
    if detected is not None:
        incident, detected_at = detected
        containing = _first_entry(session, incident.id, CONTAINING_KINDS, start)
        contained_at = containing.at if containing is not None else None
        page = first_page(session, incident.id, start)
        alarm = _first_entry(session, incident.id, ("alarm",), start)
        acknowledged = incident.acknowledged_at
        if acknowledged is not None:
            # Already acknowledged before the drill (it joined an open incident): at once.
            acknowledged = max(acknowledged, start)
        # Only a containment made during the run is this drill's to verify.
        status = verification.overview(session, incident.id).status if containing else "none"
        found |= {
            "incident_id": incident.id,
            "drill_incident": incident.drill,
            "monitor": (alarm.data.get("monitor") if alarm is not None else None),
            "time_to_detect_s": _seconds(start, detected_at),
            "time_to_page_s": _seconds(start, page.at if page else None),
            "time_to_acknowledge_s": _seconds(start, acknowledged),
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
        gaps.append(
            "nobody was paged: no page reached anyone (the incident timeline says why: "
            "no one on call, or no channel that can reach them; `blastwall notify channels`)"
        )
    if found["time_to_acknowledge_s"] is None:
        gaps.append("nobody acknowledged the incident")
    if found["time_to_contain_s"] is None:
        gaps.append("the incident was not contained (no lever or rollback made for it)")
    elif not found["verified"]:
        gaps.append(f"the containment was not verified (verification: {found['verification']})")
    return gaps
