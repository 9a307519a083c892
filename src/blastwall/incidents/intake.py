"""The one intake: monitor alarms and alerts from other tools join or open incidents (D8, I5).

A *signal* (a monitor's alarm, an Alertmanager alert, a generic JSON alert) names its
system and a key (the monitor's id, the alert's fingerprint). The policy, the same for
every source:

* The same key arriving again while the incident it joined is still open is a *repeat*:
  counted on that signal (count and time), not a new signal. A persistent change crosses
  a monitor's threshold again after every restart of its CUSUMs, and Alertmanager resends
  a firing alert every ``repeat_interval``: each is one failure.
* Otherwise the signal joins the system's open incident (the newest one not resolved)
  with a timeline entry holding its evidence; the incident's start moves earlier if the
  signal started earlier, and a harsher harm (or more classes) raises its classification.
* With no open incident, the signal opens one at its harm (severity from the matrix),
  detected when the signal arrived, started when the signal says the failure began.

Every incident lists every signal that joined it (``list_signals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import audit
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput, InvalidTransition
from blastwall.incidents import matrix
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm, IncidentClass, Status
from blastwall.incidents.models import Incident, IncidentSignal
from blastwall.incidents.schemas import IncidentCreate, IncidentUpdate
from blastwall.incidents.timeline import add_entry
from blastwall.registry.models import System

OPEN = (Status.detected, Status.triaged, Status.contained, Status.mitigated)
"""Statuses in which an incident takes new signals; a resolved incident takes none."""
TITLE_MAX = 300
SUMMARY_MAX = 20_000


class Source(StrEnum):
    """Where a signal came from."""

    monitor = "monitor"
    alertmanager = "alertmanager"
    alert = "alert"


class SignalStatus(StrEnum):
    firing = "firing"
    resolved = "resolved"


@dataclass(frozen=True)
class Signal:
    """One alarm or alert, as every source hands it to the intake.

    ``message`` is the sentence its timeline entry shows; ``evidence`` becomes the entry's
    data. ``kind`` names the timeline entry (``alarm`` for monitors, ``alert`` for alerts).
    """

    source: Source
    key: str
    system: str
    title: str
    message: str
    kind: str
    started_at: datetime
    received_at: datetime
    harm: Harm = Harm.none
    classes: Sequence[IncidentClass] = ()
    summary: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    count: int = 1
    may_resolve: bool = False


@dataclass(frozen=True)
class Outcome:
    """What the intake did with a signal."""

    incident_id: int
    signal_id: int
    opened: bool
    repeat: bool


@dataclass(frozen=True)
class Resolution:
    """What a resolved signal did: nothing joined (``incident_id`` None), recorded, resolved."""

    incident_id: int | None
    signal_id: int | None
    resolved_incident: bool
    reason: str


def is_open(status: str) -> bool:
    """Whether an incident in ``status`` takes new signals."""
    return status in {s.value for s in OPEN}


def open_incident(session: Session, system: str) -> Incident | None:
    """The system's newest incident that is not resolved."""
    return session.scalar(
        select(Incident)
        .join(System, Incident.system_id == System.id)
        .where(System.name == system, Incident.status.in_([s.value for s in OPEN]))
        .order_by(Incident.id.desc())
        .limit(1)
    )


def joined(session: Session, source: Source, key: str) -> IncidentSignal | None:
    """The signal ``key`` from ``source`` that joined a still-open incident, if any."""
    return session.scalar(
        select(IncidentSignal)
        .join(Incident, IncidentSignal.incident_id == Incident.id)
        .where(
            IncidentSignal.source == source.value,
            IncidentSignal.key == key,
            Incident.status.in_([s.value for s in OPEN]),
        )
        .order_by(IncidentSignal.id.desc())
        .limit(1)
    )


def harm_for_severity(session: Session, system: str, severity: int) -> Harm:
    """The least harm the current matrix classifies at ``severity`` or worse for ``system``.

    Alerts often carry a severity, not a harm; the incident's severity still comes from
    the matrix (harm x the system's reversibility), so the alert's severity picks the harm.
    """
    if severity not in matrix.SEVERITIES:
        raise InvalidInput(f"severity must be 1, 2 or 3 (got {severity}); 1 is the most severe")
    found = session.scalar(select(System).where(System.name == system))
    reversibility, _ = incidents.default_reversibility(session, found)
    current = matrix.current_matrix(session)
    for harm in Harm:
        if matrix.severity_for(current, harm, reversibility).severity <= severity:
            return harm
    return Harm.severe


def receive(session: Session, signal: Signal, actor: Actor) -> Outcome:
    """Count a repeat, join the system's open incident, or open one (see the module doc)."""
    # Concurrent signals for one system (Alertmanager sends groups in parallel) must not
    # both find no open incident and open two: they serialize on the audit chain's head,
    # which every path here writes anyway (SQLite's BEGIN IMMEDIATE already serializes).
    audit.lock(session)
    earlier = joined(session, signal.source, signal.key)
    if earlier is not None:
        earlier.repeats += signal.count
        earlier.last_repeat_at = signal.received_at
        if earlier.status == SignalStatus.resolved:
            # Firing again after its resolution: it is one failure still going on.
            earlier.status = SignalStatus.firing.value
            earlier.resolved_at = None
        return Outcome(earlier.incident_id, earlier.id, opened=False, repeat=True)
    incident = open_incident(session, signal.system)
    opened = incident is None
    if incident is None:
        incident = _open(session, signal, actor)
    else:
        _join(session, incident, signal, actor)
    row = IncidentSignal(
        incident_id=incident.id,
        source=signal.source.value,
        key=signal.key,
        system=signal.system,
        title=signal.title[:TITLE_MAX],
        status=SignalStatus.firing.value,
        harm=signal.harm.value,
        classes=[c.value for c in signal.classes],
        may_resolve=signal.may_resolve,
        started_at=signal.started_at,
        received_at=signal.received_at,
        repeats=signal.count - 1,
        last_repeat_at=signal.received_at if signal.count > 1 else None,
        actor=actor.name,
        evidence=signal.evidence,
    )
    session.add(row)
    session.flush()
    add_entry(
        session,
        incident.id,
        kind=signal.kind,
        actor=actor.name,
        message=signal.message,
        data=signal.evidence,
    )
    return Outcome(incident.id, row.id, opened=opened, repeat=False)


def _open(session: Session, signal: Signal, actor: Actor) -> Incident:
    create = IncidentCreate(
        title=signal.title[:TITLE_MAX],
        system=signal.system,
        classes=list(signal.classes),
        harm=signal.harm,
        summary=signal.summary[:SUMMARY_MAX],
        started_at=min(signal.started_at, signal.received_at),
    )
    return incidents.open(session, create, actor, detected_at=signal.received_at)


def _join(session: Session, incident: Incident, signal: Signal, actor: Actor) -> None:
    """Move the start earlier and raise harm or classes when this signal says so."""
    changes: dict[str, object] = {}
    if signal.started_at < incident.started_at:
        changes["started_at"] = signal.started_at
    if signal.harm.rank > Harm(incident.harm).rank:
        changes["harm"] = signal.harm
    merged = list(dict.fromkeys([*incident.classes, *(c.value for c in signal.classes)]))
    if merged != list(incident.classes):
        changes["classes"] = [IncidentClass(c) for c in merged]
    if changes:
        incidents.update(session, incident.id, IncidentUpdate.model_validate(changes), actor)


def resolve(
    session: Session,
    source: Source,
    key: str,
    *,
    at: datetime,
    actor: Actor,
    message: str,
    may_resolve: bool,
) -> Resolution:
    """Record that ``key`` stopped firing; resolve its incident if its rule allows it.

    ``may_resolve`` is the sender's rule as it stands now. The incident is resolved only
    when the signal may resolve it and no other signal on
    it still fires (a monitor's alarm always counts as firing: nothing tells it stopped).
    A severity 1 or 2 incident is not closed before containment (lifecycle.py): the refusal
    is written to the timeline and the incident stays open for a responder.
    """
    audit.lock(session)
    row = joined(session, source, key)
    if row is None:
        return Resolution(None, None, False, "no open incident has this alert")
    row.status = SignalStatus.resolved.value
    row.resolved_at = at
    row.may_resolve = may_resolve
    data = {"signal_id": row.id, "source": source.value, "key": key, "status": "resolved"}
    add_entry(session, row.incident_id, kind="alert", actor=actor.name, message=message, data=data)
    if not row.may_resolve:
        return Resolution(row.incident_id, row.id, False, "its rule does not resolve incidents")
    firing = session.scalars(
        select(IncidentSignal.title).where(
            IncidentSignal.incident_id == row.incident_id,
            IncidentSignal.status == SignalStatus.firing.value,
        )
    ).all()
    if firing:
        still = ", ".join(sorted(firing)[:5])
        return Resolution(row.incident_id, row.id, False, f"still firing: {still}")
    try:
        incidents.resolve(session, row.incident_id, actor, note=f"{row.title}: resolved")
    except InvalidTransition as exc:
        add_entry(
            session,
            row.incident_id,
            kind="alert",
            actor=actor.name,
            message=f"Not resolved automatically: {exc.detail}",
            data={"signal_id": row.id},
        )
        return Resolution(row.incident_id, row.id, False, exc.detail)
    return Resolution(row.incident_id, row.id, True, "every signal on it has resolved")


def list_signals(
    session: Session, incident_id: int, *, page: PageQuery | None = None
) -> Page[IncidentSignal]:
    """Every alarm and alert that joined the incident, oldest first (404 if no incident)."""
    incidents.get(session, incident_id)
    stmt = select(IncidentSignal).where(IncidentSignal.incident_id == incident_id)
    return paginate(session, stmt, keys=[IncidentSignal.id], list_name="signals", page=page)
