"""Declare, change and remove monitors; read alarms.  Every change is audited.

The engine (``detect.engine``) does the watching; this module only keeps the declarations.
Changing what a monitor observes or how (signal, params, environment, reference, false-alarm
rate) bumps its ``config_version``, and the engine starts a new baseline for it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.detect.monitors import source
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.monitors.models import Alarm, EngineCursor, Monitor
from blastwall.detect.monitors.schemas import MonitorCreate, MonitorFields, MonitorUpdate
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry import service as registry
from blastwall.registry.models import System

DETECTION_FIELDS = ("signal", "params", "environment", "reference", "false_alarm_rate")


def fields_of(monitor: Monitor) -> dict[str, Any]:
    """The declared fields of a stored monitor, as ``MonitorFields.stored()`` gives them."""
    return {name: getattr(monitor, name) for name in MonitorFields.model_fields}


def list_(session: Session, system_name: str, page: PageQuery | None = None) -> Page[Monitor]:
    """The system's monitors, by name."""
    system = registry.get_by_name(session, system_name)
    query = (
        select(Monitor)
        .options(joinedload(Monitor.system), joinedload(Monitor.state))
        .where(Monitor.system_id == system.id)
    )
    return paginate(
        session, query, keys=[Monitor.name, Monitor.id], list_name="monitors", page=page
    )


def names_of(session: Session, system_id: int) -> set[str]:
    """The names of a system's monitors (answers ``changes.references.names("monitor")``)."""
    return set(session.scalars(select(Monitor.name).where(Monitor.system_id == system_id)))


def get_by_name(session: Session, system_name: str, name: str) -> Monitor:
    system = registry.get_by_name(session, system_name)
    monitor = session.scalar(
        select(Monitor).where(Monitor.system_id == system.id, Monitor.name == name)
    )
    if monitor is None:
        raise NotFound(
            f"system {system_name!r} has no monitor named {name!r}; "
            f"`blastwall monitor list {system_name}` shows its monitors"
        )
    return monitor


def _check_environment(system: System, environment: str | None) -> None:
    if environment is not None and environment not in system.environments:
        raise InvalidInput(
            f"environment: {environment!r} is not one of {system.name}'s environments "
            f"({', '.join(system.environments) or 'none declared'}); use one of those, or "
            "leave it out to watch every environment"
        )


def ensure_cursors(session: Session) -> None:
    """Start the engine's cursors at the newest rows, once: monitors watch what arrives next."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    tables = [source.TRACES, source.FEEDBACK]
    reviewed = select(Monitor.id).where(Monitor.signal == Signal.review_accuracy.value).limit(1)
    if session.scalar(reviewed) is not None:
        tables.append(source.REVIEWS)  # started with the first review accuracy monitor
    for table in tables:
        if session.get(EngineCursor, table) is None:
            session.execute(
                insert(EngineCursor)
                .values(name=table, last_id=source.max_id(session, table))
                .on_conflict_do_nothing(index_elements=["name"])
            )


def create(session: Session, system_name: str, data: MonitorCreate, actor: Actor) -> Monitor:
    """Declare a monitor on a system; the engine picks it up on its next tick."""
    system = registry.get_by_name(session, system_name)
    _check_environment(system, data.environment)
    taken = session.scalar(
        select(Monitor.id).where(Monitor.system_id == system.id, Monitor.name == data.name)
    )
    if taken is not None:
        raise Conflict(
            f"name: {system_name} already has a monitor named {data.name!r}; pick another "
            "name or change that one with PATCH"
        )
    stored = data.stored()
    monitor = Monitor(system=system, name=data.name, created_by=actor.name, **stored)
    session.add(monitor)
    session.flush()
    ensure_cursors(session)
    record(
        session,
        Change(
            actor=actor,
            action="monitor.create",
            target=f"{system_name}/monitors/{data.name}",
            after=stored,
        ),
    )
    return monitor


def update(
    session: Session, system_name: str, name: str, patch: MonitorUpdate, actor: Actor
) -> Monitor:
    """Change the fields sent; a change to what is observed starts a new baseline."""
    monitor = get_by_name(session, system_name, name)
    if not patch.model_fields_set:
        fields = ", ".join(MonitorUpdate.model_fields)
        raise InvalidInput(f"nothing to change: send at least one of {fields}")
    current = fields_of(monitor)
    sent = {k: getattr(patch, k) for k in patch.model_fields_set}
    for key, value in sent.items():
        if value is None and key not in ("environment", "harm"):
            raise InvalidInput(f"{key} cannot be null; leave it out to keep the current value")
    try:
        wanted = MonitorFields.model_validate({**current, **sent}).stored()
    except ValidationError as exc:
        raise InvalidInput(_problems(exc)) from None
    _check_environment(monitor.system, wanted["environment"])
    changes = {k: (current[k], v) for k, v in wanted.items() if current[k] != v}
    if not changes:
        return monitor
    for key, (_, value) in changes.items():
        setattr(monitor, key, value)
    if any(key in DETECTION_FIELDS for key in changes):
        monitor.config_version += 1
    session.flush()
    ensure_cursors(session)
    record(
        session,
        Change(
            actor=actor,
            action="monitor.update",
            target=f"{system_name}/monitors/{name}",
            before={k: b for k, (b, _) in changes.items()},
            after={k: a for k, (_, a) in changes.items()},
        ),
    )
    return monitor


def _problems(exc: ValidationError) -> str:
    """One line naming each field and what is wrong with it."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def delete(session: Session, system_name: str, name: str, actor: Actor) -> None:
    """Remove a monitor and its state; its alarms stay as evidence."""
    monitor = get_by_name(session, system_name, name)
    before = fields_of(monitor)
    session.delete(monitor)
    session.flush()
    record(
        session,
        Change(
            actor=actor,
            action="monitor.delete",
            target=f"{system_name}/monitors/{name}",
            before=before,
        ),
    )


def list_alarms(
    session: Session,
    *,
    system: str | None = None,
    monitor: str | None = None,
    incident_id: int | None = None,
    page: PageQuery | None = None,
) -> Page[Alarm]:
    """Alarms, newest first."""
    if monitor is not None and system is None:
        raise InvalidInput("monitor: give system too (monitor names are per system)")
    query = select(Alarm)
    if system is not None:
        query = query.where(Alarm.system == system)
    if monitor is not None:
        query = query.where(Alarm.monitor == monitor)
    if incident_id is not None:
        query = query.where(Alarm.incident_id == incident_id)
    return paginate(session, query, keys=[Alarm.id], list_name="alarms", page=page, descending=True)


def get_alarm(session: Session, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound(f"alarm {alarm_id} does not exist; `blastwall alarm list` shows them")
    return alarm
