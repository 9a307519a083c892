"""Start, follow and end drills; each start, step and end is one ``changes.record`` call.

A live drill injects its scenario's fault at once: a bad release through the registry
(temperature), or a fault the demo applies while the run is running (the demo follows
``faults``). Ending a run (by hand, by the CLI when the response is complete, or by the
timeout task) removes the fault and freezes the measurements. Services never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.detect.monitors.enums import Phase
from blastwall.detect.monitors.models import Monitor
from blastwall.detect.monitors.schemas import MonitorStateRead
from blastwall.drills import inject
from blastwall.drills.enums import Mode, RunStatus
from blastwall.drills.measure import drill_incident, measure
from blastwall.drills.models import DrillRun
from blastwall.drills.scenarios import spec_of
from blastwall.drills.schemas import DrillStart, DrillStep
from blastwall.exceptions import Conflict, NotFound
from blastwall.incidents import service as incidents
from blastwall.incidents.drills import DrillInForce
from blastwall.registry import service as registry


def drill_actor(run: DrillRun, role: Role = Role.commander) -> Actor:
    """Who a drill's own changes are made by: ``drill:<id>``, so the audit log tells them apart."""
    return Actor(name=f"drill:{run.id}", role=role)


def get_run(session: Session, run_id: int) -> DrillRun:
    run = session.get(DrillRun, run_id)
    if run is None:
        raise NotFound(f"drill {run_id} does not exist; `blastwall drill list` shows the runs")
    return run


def list_runs(session: Session, *, limit: int = 100) -> list[DrillRun]:
    """The newest runs first (the console's history)."""
    return list(session.scalars(select(DrillRun).order_by(DrillRun.id.desc()).limit(limit)))


def page_runs(session: Session, page: PageQuery | None = None) -> Page[DrillRun]:
    return paginate(
        session,
        select(DrillRun),
        keys=[DrillRun.id],
        list_name="drills",
        page=page,
        descending=True,
    )


def running(session: Session, system: str, *, mode: Mode | None = None) -> DrillRun | None:
    query = select(DrillRun).where(
        DrillRun.system == system, DrillRun.status == RunStatus.running.value
    )
    if mode is not None:
        query = query.where(DrillRun.mode == mode.value)
    return session.scalar(query.order_by(DrillRun.id.desc()).limit(1))


def running_live(session: Session, system: str) -> DrillInForce | None:
    """incidents' drill port: the live drill on ``system``, so its incident is marked."""
    run = running(session, system, mode=Mode.live)
    return DrillInForce(run.id, run.started_at) if run is not None else None


def measurements(session: Session, run: DrillRun, *, now: datetime | None = None) -> dict[str, Any]:
    """Frozen once the run ended; measured now while it runs."""
    if run.status != RunStatus.running and run.measurements:
        return run.measurements
    return measure(session, run, now=now or utcnow())


def start(session: Session, data: DrillStart, actor: Actor) -> DrillRun:
    """Begin a drill on a system with no other drill running; a live one injects its fault."""
    system = registry.get_by_name(session, data.system, lock=True)
    registry.require_environment(system, data.environment)
    busy = running(session, system.name)
    if busy is not None:
        raise Conflict(
            f"drill {busy.id} ({busy.scenario}) is still running on {system.name}; end it with "
            f"`blastwall drill end {busy.id}` or wait for its timeout "
            f"({busy.deadline_at:%H:%M:%S} UTC)"
        )
    spec = spec_of(data.scenario)
    if data.mode is Mode.live:
        _require_watching(session, system.id, system.name, spec.expected_monitor)
    now = utcnow()
    run = DrillRun(
        scenario=spec.scenario.value,
        mode=data.mode.value,
        system=system.name,
        environment=data.environment,
        status=RunStatus.running.value,
        fault=dict(spec.fault) if data.mode is Mode.live else {},
        ack_as=data.ack_as,
        started_at=now,
        deadline_at=now + timedelta(seconds=data.timeout_s),
        started_by=actor.name,
    )
    session.add(run)
    session.flush()
    _record(session, run, actor, "drill.start", f"{data.mode.value} drill: {spec.title}")
    if data.mode is Mode.live and spec.through_registry:
        run.fault = inject.release_fault(session, run, drill_actor(run), spec.title)
    # Measured from the moment the fault is in force.
    run.started_at = utcnow()
    return run


def _require_watching(session: Session, system_id: int, system: str, name: str) -> None:
    """Refuse a live fault while the monitor meant to catch it is still learning: whatever
    it saw now would become its baseline, so the drill could never be detected."""
    monitor = session.scalar(
        select(Monitor).where(Monitor.system_id == system_id, Monitor.name == name)
    )
    if monitor is None:
        return  # the report says no monitor caught it: a gap worth a drill
    state = MonitorStateRead.of(monitor.state, monitor.enabled)
    if state.phase is Phase.learning:
        progress = (
            f"{state.learned} of {state.reference} observations"
            if state.reference
            else state.message or "no observation yet"
        )
        raise Conflict(
            f"monitor {name} of {system} is still learning its baseline ({progress}); "
            "a fault injected now would be learned, never detected. Start the drill when "
            f"`blastwall monitor list {system}` shows {name} monitoring, or rehearse now "
            "with --tabletop"
        )


def end(
    session: Session,
    run_id: int,
    actor: Actor,
    *,
    reason: str,
    status: RunStatus = RunStatus.ended,
) -> DrillRun:
    """Remove the fault and freeze what the run measured; ending an ended run changes nothing."""
    run = get_run(session, run_id)
    if run.status != RunStatus.running:
        return run
    removed = ""
    if run.mode == Mode.live and spec_of(run.scenario).through_registry:
        removed = inject.remove_release_fault(session, run, drill_actor(run))
    run.ended_at = utcnow()
    run.status = status.value
    run.end_reason = reason
    run.measurements = measure(session, run, now=run.ended_at)
    _record(
        session,
        run,
        actor,
        "drill.end",
        f"{status.value}: {reason}" + (f"; {removed}" if removed else ""),
        after={"status": run.status, "measurements": run.measurements},
    )
    return run


def expire(session: Session, *, now: datetime | None = None) -> list[int]:
    """End every running drill past its deadline (the fault never outlives its timeout)."""
    moment = now or utcnow()
    overdue = session.scalars(
        select(DrillRun).where(
            DrillRun.status == RunStatus.running.value, DrillRun.deadline_at <= moment
        )
    ).all()
    for run in overdue:
        end(session, run.id, drill_actor(run), reason="timed out", status=RunStatus.timed_out)
    return [run.id for run in overdue]


def faults(session: Session, system: str, environment: str) -> tuple[list[int], dict[str, Any]]:
    """The faults the demo of ``system`` applies now (those of running live drills)."""
    runs = session.scalars(
        select(DrillRun).where(
            DrillRun.system == system,
            DrillRun.environment == environment,
            DrillRun.status == RunStatus.running.value,
            DrillRun.mode == Mode.live.value,
        )
    ).all()
    merged: dict[str, Any] = {}
    for run in runs:
        if not spec_of(run.scenario).through_registry:
            merged |= run.fault
    return [r.id for r in runs], merged


def acknowledge(session: Session, run_id: int, actor: Actor) -> DrillRun:
    """Acknowledge the drill's incident for the run's ``ack_as`` person (unattended runs)."""
    run = get_run(session, run_id)
    if run.ack_as is None:
        raise Conflict(f"drill {run.id} has no --ack-as person; a responder acknowledges it")
    incident = drill_incident(session, run)
    if incident is None:
        raise Conflict(f"drill {run.id} has no incident to acknowledge yet")
    if incident.acknowledged_at is None:
        incidents.acknowledge(
            session,
            incident.id,
            drill_actor(run, Role.responder),
            note=f"acknowledged for {run.ack_as} (drill {run.id}, --ack-as)",
        )
    return run


def add_step(session: Session, run_id: int, step: DrillStep, actor: Actor) -> DrillRun:
    """Record one tabletop step and how long it took; only while the run is running."""
    run = get_run(session, run_id)
    if run.status != RunStatus.running:
        raise Conflict(f"drill {run.id} is {run.status}; steps are recorded while it runs")
    entry = {"step": step.step, "seconds": step.seconds, "at": utcnow().isoformat()}
    run.steps = [*run.steps, entry]
    _record(session, run, actor, "drill.step", f"{step.step} ({step.seconds:.0f} s)", after=entry)
    return run


def _record(
    session: Session,
    run: DrillRun,
    actor: Actor,
    action: str,
    reason: str,
    *,
    after: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        Change(
            action=action,
            target=f"drill:{run.id}",
            actor=actor,
            reason=reason[:2000],
            after=after
            or {"scenario": run.scenario, "mode": run.mode, "environment": run.environment},
            system=run.system,
        ),
    )
