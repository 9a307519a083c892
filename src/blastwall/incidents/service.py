"""Open, classify, move and annotate incidents; each change is one ``changes.record`` call.

The audit entry is written by the change kernel and the timeline entry by the timeline
subscriber (``incidents.subscribers``), from the change's ``timeline`` sentence and ``data``.

Services never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.idempotency import service as idempotency
from blastwall.incidents import drills, lifecycle, matrix, roles
from blastwall.incidents import metrics as metrics_
from blastwall.incidents.enums import Harm, IncidentRole, Reversibility, Status
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.incidents.schemas import IncidentCreate, IncidentUpdate
from blastwall.incidents.timeline import entry_for_change
from blastwall.inputs import trim
from blastwall.registry.models import DownstreamAction, System

MILESTONES = (
    "started_at",
    "detected_at",
    "acknowledged_at",
    "contained_at",
    "mitigated_at",
    "resolved_at",
    "postmortem_done_at",
)
# PATCH fields that may be sent as null, meaning "clear it" (commander: see ``update``).
NULLABLE = frozenset({"failure_mode"})


def _plain(value: Any) -> Any:
    """JSON-safe form of a field value for timeline data and audit entries."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _target(incident: Incident) -> str:
    return f"incident:{incident.id}"


def _system_name(incident: Incident) -> str | None:
    """The incident's system, for subscribers that route by system (None if not known)."""
    return incident.system.name if incident.system is not None else None


def _system(session: Session, name: str) -> System:
    system = session.scalar(select(System).where(System.name == name))
    if system is None:
        raise NotFound(
            f"system: no system named {name!r}; `blastwall systems` lists them, "
            "or leave system out if it is not known yet"
        )
    return system


def get(session: Session, incident_id: int, *, for_update: bool = False) -> Incident:
    """The incident; ``for_update`` locks its row so concurrent changes apply one by one."""
    incident = session.get(Incident, incident_id, with_for_update=for_update or None)
    if incident is None:
        raise NotFound(
            f"incident {incident_id} does not exist; `blastwall incident list` shows them"
        )
    return incident


def list_(
    session: Session,
    *,
    status: Status | str | None = None,
    system: str | None = None,
    severity: int | None = None,
    page: PageQuery | None = None,
) -> Page[Incident]:
    """Incidents, newest first, optionally only those in a status, system or severity."""
    query = _matching(session, status=status, system=system, severity=severity)
    return paginate(
        session, query, keys=[Incident.id], list_name="incidents", page=page, descending=True
    )


def _matching(
    session: Session,
    *,
    status: Status | str | None = None,
    system: str | None = None,
    severity: int | None = None,
) -> Select[Incident]:
    query = select(Incident)
    if status is not None:
        query = query.where(Incident.status == lifecycle.parse_status(status).value)
    if system is not None:
        query = query.where(Incident.system_id == _system(session, system).id)
    if severity is not None:
        query = query.where(Incident.severity == severity)
    return query


def default_reversibility(session: Session, system: System | None) -> tuple[Reversibility, str]:
    """Irreversible if the system can fire any irreversible action; also says why."""
    if system is None:
        return Reversibility.reversible, "no system named, so no irreversible action known"
    irreversible = session.scalars(
        select(DownstreamAction.name)
        .where(DownstreamAction.system_id == system.id, DownstreamAction.reversible.is_(False))
        .order_by(DownstreamAction.name)
    ).all()
    if irreversible:
        return Reversibility.irreversible, f"{system.name} can fire {', '.join(irreversible)}"
    return Reversibility.reversible, f"{system.name} has no irreversible downstream action"


def cell_of(session: Session, incident: Incident) -> matrix.Cell:
    """The matrix cell the incident was classified into (with the version it recorded)."""
    return matrix.severity_for(
        matrix.matrix_at(session, incident.matrix_version), incident.harm, incident.reversibility
    )


def open(
    session: Session,
    data: IncidentCreate,
    actor: Actor,
    *,
    detected_at: datetime | None = None,
) -> Incident:
    """Open an incident in status detected, its severity taken from the current matrix."""
    now = utcnow()
    detected = detected_at or now
    if detected.tzinfo is None:
        raise InvalidInput("detected_at has no time zone; pass an aware UTC datetime")
    if detected > now:
        raise InvalidInput(
            f"detected_at {detected.isoformat()} is in the future; leave it out to use now"
        )
    started = data.started_at or detected
    if started > detected:
        raise InvalidInput(
            f"started_at {started.isoformat()} is after detection at {detected.isoformat()}: "
            "an incident cannot start after it was detected; leave started_at out to use the "
            "detection time"
        )
    system = _system(session, data.system) if data.system else None
    if data.reversibility is not None:
        reversibility, why = data.reversibility, "given when opened"
    else:
        reversibility, why = default_reversibility(session, system)
    current = matrix.current_matrix(session)
    cell = matrix.severity_for(current, data.harm, reversibility)
    in_force = drills.running_drill(session, system.name if system else None)
    drill_run = in_force.id if in_force is not None else None
    incident = Incident(
        title=data.title,
        summary=data.summary,
        system=system,
        status=Status.detected.value,
        classes=list(dict.fromkeys(c.value for c in data.classes)),
        failure_mode=data.failure_mode.value if data.failure_mode else None,
        harm=data.harm.value,
        reversibility=reversibility.value,
        severity=cell.severity,
        matrix_version=current.version,
        started_at=started,
        detected_at=detected,
        drill=drill_run is not None,
        created_by=actor.name,
    )
    session.add(incident)
    session.flush()
    facts = {
        "severity": cell.severity,
        "harm": data.harm.value,
        "reversibility": reversibility.value,
        "reversibility_reason": why,
        "matrix_version": current.version,
        "containment": cell.containment,
        "escalation": cell.escalation,
        "communication": cell.communication,
    }
    if drill_run is not None:
        facts["drill_run"] = drill_run
    record(
        session,
        Change(
            actor=actor,
            action="incident.open",
            target=_target(incident),
            after={"title": incident.title, "status": incident.status, **facts},
            incident_id=incident.id,
            system=system.name if system else None,
            timeline=(
                ("DRILL: " if drill_run is not None else "")
                + f"opened at severity {cell.severity} ({data.harm.value} harm, "
                f"{reversibility.value}: {why}); containment: {cell.containment}"
            ),
            data=facts,
        ),
    )
    return incident


def _check_started_at(incident: Incident, started: datetime) -> None:
    if started > incident.started_at:
        raise InvalidInput(
            f"started_at may only move earlier: it is {incident.started_at.isoformat()} and "
            f"{started.isoformat()} is later; send an earlier time or leave started_at out"
        )


def _changes(incident: Incident, patch: IncidentUpdate) -> dict[str, tuple[Any, Any]]:
    """Field -> (before, after) for every field the patch really changes."""
    if not patch.model_fields_set:
        fields = ", ".join(IncidentUpdate.model_fields)
        raise InvalidInput(f"nothing to change: send at least one of {fields}")
    changes: dict[str, tuple[Any, Any]] = {}
    for name in sorted(patch.model_fields_set - {"commander"}):
        value = getattr(patch, name)
        if value is None and name not in NULLABLE:
            raise InvalidInput(f"{name} cannot be null; leave it out to keep the current value")
        if name == "classes":
            value = list(dict.fromkeys(c.value for c in value))
        elif name == "started_at":
            _check_started_at(incident, value)
        elif hasattr(value, "value"):
            value = value.value
        before = getattr(incident, name)
        if value != before:
            changes[name] = (before, value)
    return changes


def update(session: Session, incident_id: int, patch: IncidentUpdate, actor: Actor) -> Incident:
    """Change the fields sent; a new harm or reversibility recomputes severity (current matrix).

    ``commander`` is the commander role: it goes through ``roles`` (its own recorded change
    and its hand-over rule), the other fields make one ``incident.update`` change.
    """
    incident = get(session, incident_id, for_update=True)
    _apply(session, incident, _changes(incident, patch), actor)
    if "commander" in patch.model_fields_set:
        if patch.commander is not None:
            roles.assign(session, incident.id, IncidentRole.commander, patch.commander, actor)
        elif incident.commander is not None:
            roles.remove(session, incident.id, IncidentRole.commander, incident.commander, actor)
    return incident


def _apply(
    session: Session, incident: Incident, changes: dict[str, tuple[Any, Any]], actor: Actor
) -> None:
    """Set the changed fields, recompute the severity if needed, record one change."""
    if not changes:
        return
    for name, (_, value) in changes.items():
        setattr(incident, name, value)
    if "harm" in changes or "reversibility" in changes:
        current = matrix.current_matrix(session)
        cell = matrix.severity_for(current, Harm(incident.harm), incident.reversibility)
        for name, value in (("severity", cell.severity), ("matrix_version", current.version)):
            if getattr(incident, name) != value:
                changes[name] = (getattr(incident, name), value)
                setattr(incident, name, value)
    plain = {name: [_plain(b), _plain(a)] for name, (b, a) in changes.items()}
    record(
        session,
        Change(
            actor=actor,
            action="incident.update",
            target=_target(incident),
            before={name: b for name, (b, _) in plain.items()},
            after={name: a for name, (_, a) in plain.items()},
            incident_id=incident.id,
            system=_system_name(incident),
            timeline="; ".join(f"{name}: {b} -> {a}" for name, (b, a) in plain.items()),
            data={"changes": plain},
        ),
    )


def _milestones(incident: Incident) -> dict[str, datetime | None]:
    return {name: getattr(incident, name) for name in MILESTONES}


def transition(
    session: Session,
    incident_id: int,
    to: Status | str,
    actor: Actor,
    *,
    note: str | None = None,
    acknowledge: bool = True,
) -> Incident:
    """Move to ``to`` if the lifecycle allows it, setting the milestones that move reaches.

    ``acknowledge=False`` for a move nobody saw (a policy's containment), so paging goes on.
    """
    incident = get(session, incident_id, for_update=True)
    before = _milestones(incident)
    previous = lifecycle.transition(incident, to, utcnow(), acknowledge=acknowledge)
    after = _milestones(incident)
    reached = {name: _plain(after[name]) for name in MILESTONES if after[name] != before[name]}
    record(
        session,
        Change(
            actor=actor,
            action="incident.transition",
            target=_target(incident),
            reason=note or "",
            before={"status": previous.value},
            after={"status": incident.status, **reached},
            incident_id=incident.id,
            system=_system_name(incident),
            timeline=f"{previous} -> {incident.status}" + (f": {note}" if note else ""),
            data={
                "from": previous.value,
                "to": incident.status,
                "milestones": reached,
                "note": note,
            },
        ),
    )
    return incident


def resolve(
    session: Session, incident_id: int, actor: Actor, *, note: str | None = None
) -> Incident:
    """Shorthand for the transition to resolved."""
    return transition(session, incident_id, Status.resolved, actor, note=note)


def acknowledge(
    session: Session, incident_id: int, actor: Actor, *, note: str | None = None
) -> Incident:
    """Record that a person has seen the incident; repeating it only adds the note, if any.

    Whoever acknowledges becomes commander when nobody commands the incident (I2).
    """
    incident = get(session, incident_id, for_update=True)
    if incident.acknowledged_at is not None:
        if note:
            add_note(session, incident_id, note, actor)
        roles.take_command(session, incident, actor)
        return incident
    incident.acknowledged_at = utcnow()
    record(
        session,
        Change(
            actor=actor,
            action="incident.acknowledge",
            target=_target(incident),
            reason=note or "",
            after={"acknowledged_at": incident.acknowledged_at.isoformat()},
            incident_id=incident.id,
            system=_system_name(incident),
            timeline=f"acknowledged by {actor.name}" + (f": {note}" if note else ""),
            data={"note": note},
        ),
    )
    roles.take_command(session, incident, actor)
    return incident


def add_note(session: Session, incident_id: int, message: str, actor: Actor) -> TimelineEntry:
    """Add a free-text note (a finding, a decision) to the timeline."""
    incident = get(session, incident_id)
    text = trim(message)  # the same spaces as the API trims (blastwall.inputs.SPACE)
    if not text:
        raise InvalidInput("message is empty; write what happened or what was decided")
    recorded = record(
        session,
        Change(
            actor=actor,
            action="incident.note",
            target=_target(incident),
            reason=text,
            incident_id=incident.id,
            system=_system_name(incident),
            timeline=text,
        ),
    )
    return entry_for_change(session, incident.id, recorded.audit_seq)


def metrics(session: Session, *, system: str | None = None) -> metrics_.Summary:
    """MTTD, MTTA, mean time to contain and MTTR over real incidents (drills left out)."""
    query = _matching(session, system=system).where(Incident.drill.is_(False))
    return metrics_.summarize(session.scalars(query))


def open_once(
    session: Session, data: IncidentCreate, actor: Actor, *, idempotency_key: str | None
) -> Incident:
    """``open``, or the incident an earlier request with ``idempotency_key`` opened."""
    return idempotency.once(
        session,
        kind="incident",
        key=idempotency_key,
        body=data,
        actor=actor,
        create=lambda: open(session, data, actor),
        load=lambda incident_id: get(session, incident_id),
    )
