"""The one intake: monitor alarms and alerts from other tools join or open incidents (D8, I5).

A *signal* (a monitor's alarm, an Alertmanager alert, a generic JSON alert) names its
system and a key (the monitor's id, the alert's fingerprint). The policy, the same for
every source:

* The same key arriving again while the incident it joined is still open is a *repeat*:
  counted on that signal (count and time), not a new signal. A persistent change crosses
  a monitor's threshold again after every restart of its CUSUMs, and Alertmanager resends
  a firing alert every ``repeat_interval``: each is one failure.
* Otherwise the signal joins the system's open incident (the newest one not resolved;
  while a live drill runs on the system, the newest open drill incident)
  with a timeline entry holding its evidence; the incident's start moves earlier if the
  signal started earlier, and a harsher harm (or more classes) raises its classification.
* With no open incident, the signal opens one at its harm (severity from the matrix),
  detected when the signal arrived, started when the signal says the failure began.

Every incident lists every signal that joined it (``list_signals``). Each new signal is
recorded through the change kernel (``Signal.action``: ``alarm.raised``, ``alert.firing``)
with its timeline sentence, so the audit log and the timeline (``alarm`` and ``alert``
entries, by the timeline subscriber) hold it; a repeat is audited only when the source asks
(every alert is, a monitor's CUSUM restarts are not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall import changes
from blastwall.access.schemas import Actor
from blastwall.changes import audit
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput
from blastwall.incidents import drills, matrix
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm, IncidentClass, Status
from blastwall.incidents.lifecycle import allowed_next, refusal_to
from blastwall.incidents.models import Incident, IncidentSignal
from blastwall.incidents.schemas import IncidentCreate, IncidentUpdate
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

    ``action`` is the change recorded for it (its domain names the timeline entry's kind);
    ``message`` is the sentence its timeline entry shows; ``evidence`` becomes the entry's
    data; ``after`` is added to the audit entry's ``after`` (with the ``outcome``).
    """

    source: Source
    key: str
    system: str
    title: str
    message: str
    action: str
    started_at: datetime
    received_at: datetime
    harm: Harm = Harm.none
    classes: Sequence[IncidentClass] = ()
    summary: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    count: int = 1
    may_resolve: bool = False
    audit_repeats: bool = False
    after: dict[str, Any] = field(default_factory=dict)


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


def open_incident(
    session: Session, system: str, *, drill: drills.DrillInForce | None = None
) -> Incident | None:
    """The system's newest incident that is not resolved: a real one, or with ``drill``,
    one opened during that drill.

    A game day's signals never join a real incident (nor real signals a drill's), nor an
    earlier drill's: each drill is kept apart in every list and metric, and its
    verification judges its own alarms.
    """
    query = (
        select(Incident)
        .join(System, Incident.system_id == System.id)
        .where(
            System.name == system,
            Incident.status.in_([s.value for s in OPEN]),
            Incident.drill.is_(drill is not None),
        )
        .order_by(Incident.id.desc())
        .limit(1)
    )
    if drill is not None:
        query = query.where(Incident.created_at >= drill.started_at)
    return session.scalar(query)


def joined(session: Session, source: Source, key: str) -> IncidentSignal | None:
    """The signal ``key`` from ``source`` that joined a still-open incident, if any: a real
    incident outside drills, during a drill only one opened during it."""
    rows = session.scalars(
        select(IncidentSignal)
        .join(Incident, IncidentSignal.incident_id == Incident.id)
        .where(
            IncidentSignal.source == source.value,
            IncidentSignal.key == key,
            Incident.status.in_([s.value for s in OPEN]),
        )
        .order_by(IncidentSignal.id.desc())
    ).all()
    if not rows:
        return None
    drill = drills.running_drill(session, rows[0].system)
    return next((r for r in rows if _in_context(session, r.incident_id, drill)), None)


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
    drill = drills.running_drill(session, signal.system)
    earlier = joined(session, signal.source, signal.key)
    if earlier is not None:
        earlier.repeats += signal.count
        earlier.last_repeat_at = signal.received_at
        if earlier.status == SignalStatus.resolved:
            # Firing again after its resolution: it is one failure still going on.
            earlier.status = SignalStatus.firing.value
            earlier.resolved_at = None
        if signal.audit_repeats:
            _record(session, signal, actor, earlier.incident_id, "repeat", timeline="")
        return Outcome(earlier.incident_id, earlier.id, opened=False, repeat=True)
    incident = open_incident(session, signal.system, drill=drill)
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
    outcome = "opened" if opened else "joined"
    _record(session, signal, actor, incident.id, outcome, timeline=signal.message)
    return Outcome(incident.id, row.id, opened=opened, repeat=False)


def _in_context(session: Session, incident_id: int, drill: drills.DrillInForce | None) -> bool:
    """Whether a signal now may count on this incident: a real one outside drills, during a
    drill only one opened during it."""
    incident = incidents.get(session, incident_id)
    if drill is None:
        return not incident.drill
    return incident.drill and incident.created_at >= drill.started_at


def _record(
    session: Session, signal: Signal, actor: Actor, incident_id: int, outcome: str, *, timeline: str
) -> None:
    """Audit the signal; with a ``timeline`` sentence, its incident's timeline shows it."""
    changes.record(
        session,
        changes.Change(
            action=signal.action,
            target=f"{signal.source.value}/{signal.key}"[:200],
            actor=actor,
            reason=signal.title[:TITLE_MAX],
            after={**signal.after, "outcome": outcome},
            incident_id=incident_id,
            system=signal.system,
            timeline=timeline,
            data=signal.evidence,
        ),
    )


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
    patch: dict[str, object] = {}
    if signal.started_at < incident.started_at:
        patch["started_at"] = signal.started_at
    if signal.harm.rank > Harm(incident.harm).rank:
        patch["harm"] = signal.harm
    merged = list(dict.fromkeys([*incident.classes, *(c.value for c in signal.classes)]))
    if merged != list(incident.classes):
        patch["classes"] = [IncidentClass(c) for c in merged]
    if patch:
        incidents.update(session, incident.id, IncidentUpdate.model_validate(patch), actor)


def resolve(
    session: Session,
    source: Source,
    key: str,
    *,
    at: datetime,
    actor: Actor,
    message: str,
    may_resolve: bool,
    after: dict[str, Any],
) -> Resolution:
    """Record that ``key`` stopped firing; resolve its incident if its rule allows it.

    Audited as ``alert.resolved`` (``after`` plus the outcome), on the incident's timeline
    when an open incident had the alert. ``may_resolve`` is the sender's rule as it stands
    now. The incident is resolved only when the signal may resolve it and no other signal
    on it still fires (a monitor's alarm always counts as firing: nothing tells it
    stopped). A severity 1 or 2 incident is not closed before containment (lifecycle.py):
    the refusal is written to the timeline and the incident stays open for a responder.
    """
    audit.lock(session)
    row = joined(session, source, key)
    if row is None:
        nothing = Resolution(None, None, False, "no open incident has this alert")
        after = after | {"outcome": "no_incident"}
        _resolved(session, source=source, key=key, actor=actor, incident_id=None, after=after)
        return nothing
    row.status = SignalStatus.resolved.value
    row.resolved_at = at
    row.may_resolve = may_resolve
    data = {"signal_id": row.id, "source": source.value, "key": key, "status": "resolved"}
    done = _close(session, row)
    outcome = "closed" if done.resolved_incident else "resolved"
    # Recorded before the incident's resolution, so its timeline reads in order.
    _resolved(
        session,
        source=source,
        key=key,
        actor=actor,
        incident_id=row.incident_id,
        after=after | {"outcome": outcome},
        message=message,
        data=data,
    )
    if done.resolved_incident:
        incidents.resolve(session, row.incident_id, actor, note=f"{row.title}: resolved")
    elif done.refusal:
        changes.record(
            session,
            changes.Change(
                action="alert.not_resolved",
                target=f"{source.value}/{key}"[:200],
                actor=actor,
                reason=done.refusal,
                incident_id=row.incident_id,
                timeline=f"Not resolved automatically: {done.refusal}",
                data={"signal_id": row.id},
            ),
        )
    return Resolution(row.incident_id, row.id, done.resolved_incident, done.reason)


@dataclass(frozen=True)
class _Closing:
    resolved_incident: bool
    reason: str
    refusal: str = ""


def _close(session: Session, row: IncidentSignal) -> _Closing:
    """Whether resolving ``row`` may resolve its incident now, and why not."""
    if not row.may_resolve:
        return _Closing(False, "its rule does not resolve incidents")
    firing = session.scalars(
        select(IncidentSignal.title).where(
            IncidentSignal.incident_id == row.incident_id,
            IncidentSignal.status == SignalStatus.firing.value,
        )
    ).all()
    if firing:
        return _Closing(False, f"still firing: {', '.join(sorted(firing)[:5])}")
    incident = incidents.get(session, row.incident_id)
    if Status.resolved not in allowed_next(incident.status, incident.severity):
        refusal = refusal_to(incident, Status.resolved)
        return _Closing(False, refusal, refusal)
    return _Closing(True, "every signal on it has resolved")


def _resolved(
    session: Session,
    *,
    source: Source,
    key: str,
    actor: Actor,
    incident_id: int | None,
    after: dict[str, Any],
    message: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    changes.record(
        session,
        changes.Change(
            action="alert.resolved",
            target=f"{source.value}/{key}"[:200],
            actor=actor,
            after=after,
            incident_id=incident_id,
            system=str(after.get("system") or "") or None,
            timeline=message,
            data=data or {},
        ),
    )


def list_signals(
    session: Session, incident_id: int, *, page: PageQuery | None = None
) -> Page[IncidentSignal]:
    """Every alarm and alert that joined the incident, oldest first (404 if no incident)."""
    incidents.get(session, incident_id)
    stmt = select(IncidentSignal).where(IncidentSignal.incident_id == incident_id)
    return paginate(session, stmt, keys=[IncidentSignal.id], list_name="signals", page=page)
