"""Alarm -> incident: one open incident per system, later alarms join it (D8, I5).

* A monitor that alarms again while the incident its last alarm joined is still open adds
  a repeat to that alarm (count and time), not a new alarm: a persistent change crosses
  the threshold again after every restart of the CUSUMs, and that is one failure.
* Otherwise the alarm is recorded and joins the system's open incident (the newest one
  not resolved), with a timeline entry holding the evidence; the incident's start moves
  earlier if this alarm's estimated change is earlier, and a monitor that declares a
  harsher harm (or more classes) raises the incident's classification.
* With no open incident, the alarm opens one at the harm the monitor declares ("none" when
  it declares none, which the severity matrix maps to severity 3), with the monitor's
  classes; detected at the alarm, started at the estimated change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.detect.monitors.evidence import Evidence
from blastwall.detect.monitors.models import Alarm
from blastwall.detect.monitors.runtime import Config
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm, IncidentClass, Status
from blastwall.incidents.models import Incident
from blastwall.incidents.schemas import IncidentCreate, IncidentUpdate
from blastwall.incidents.timeline import add_entry
from blastwall.registry.models import System

ENGINE = Actor(name="detection-engine", role=Role.responder)
OPEN = (Status.detected, Status.triaged, Status.contained, Status.mitigated)
ALARM_KIND = "alarm"


def _is_open(incident: Incident | None) -> bool:
    return incident is not None and incident.status in {s.value for s in OPEN}


def open_incident(session: Session, system: str) -> Incident | None:
    """The system's newest incident that is not resolved."""
    return session.scalar(
        select(Incident)
        .join(System, Incident.system_id == System.id)
        .where(System.name == system, Incident.status.in_([s.value for s in OPEN]))
        .order_by(Incident.id.desc())
        .limit(1)
    )


def record(
    session: Session, config: Config, evidence: Evidence, *, crossings: int, now: datetime
) -> tuple[Alarm, bool]:
    """Record ``crossings`` threshold crossings of one monitor; returns (alarm, new?)."""
    last = session.scalar(
        select(Alarm).where(Alarm.monitor_id == config.id).order_by(Alarm.id.desc()).limit(1)
    )
    joined = session.get(Incident, last.incident_id) if last and last.incident_id else None
    if last is not None and _is_open(joined):
        last.repeats += crossings
        last.last_repeat_at = now
        return last, False
    alarm = Alarm(
        monitor_id=config.id,
        system=config.system,
        monitor=config.name,
        signal=config.spec.signal.value,
        at=now,
        observed_at=evidence.observed_at,
        trace_id=evidence.trace_id,
        change_at=evidence.change_at,
        change_observations=evidence.change_observations,
        description=evidence.description,
        baseline=evidence.baseline,
        current=evidence.current,
        threshold=evidence.threshold,
        false_alarm_rate=evidence.false_alarm_rate,
        sample_trace_ids=evidence.samples,
        reference=evidence.reference,
        repeats=crossings - 1,
        last_repeat_at=now if crossings > 1 else None,
    )
    session.add(alarm)
    session.flush()
    incident = open_incident(session, config.system)
    if incident is None:
        incident = _open(session, config, evidence, now)
    else:
        _join(session, incident, config, evidence)
    alarm.incident_id = incident.id
    add_entry(
        session,
        incident.id,
        kind=ALARM_KIND,
        actor=ENGINE.name,
        message=f"Monitor {config.name} alarmed: {evidence.description}",
        data={"alarm_id": alarm.id, "monitor": config.name, "signal": alarm.signal}
        | evidence.as_data(),
    )
    session.flush()
    return alarm, True


def _harm(config: Config) -> Harm:
    return Harm(config.harm) if config.harm else Harm.none


def _open(session: Session, config: Config, evidence: Evidence, now: datetime) -> Incident:
    started = min(evidence.change_at, now)
    title = f"{config.system}: {config.name} left its baseline"
    summary = (
        f"Opened by monitor {config.name} ({config.spec.signal.value}): {evidence.description}. "
        f"Baseline {evidence.baseline}; since about {started.isoformat()} "
        f"({evidence.change_observations} observations): {evidence.current}."
    )
    create = IncidentCreate(
        title=title[:300],
        system=config.system,
        classes=[IncidentClass(c) for c in config.classes],
        harm=_harm(config),
        summary=summary[:20_000],
        started_at=started,
    )
    return incidents.open(session, create, ENGINE, detected_at=now)


def _join(session: Session, incident: Incident, config: Config, evidence: Evidence) -> None:
    """Move the start earlier and raise harm or classes when this alarm says so."""
    changes: dict[str, object] = {}
    if evidence.change_at < incident.started_at:
        changes["started_at"] = evidence.change_at
    if _harm(config).rank > Harm(incident.harm).rank:
        changes["harm"] = _harm(config)
    merged = list(dict.fromkeys([*incident.classes, *config.classes]))
    if merged != list(incident.classes):
        changes["classes"] = [IncidentClass(c) for c in merged]
    if changes:
        incidents.update(session, incident.id, IncidentUpdate.model_validate(changes), ENGINE)
