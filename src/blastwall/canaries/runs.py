"""Running canary sets: claim a run, ask the target with no transaction open, record.

A run is three steps so no database transaction (and, on SQLite, no write lock) is held
while a target thinks: (1) record the run as ``running`` and snapshot the set and target,
(2) ask the target every case, (3) store the results and, for runs against the release in
force, send each case to the detection engine as a call event (``emit``).

Case results as events: each case becomes a ``call`` trace of the system in the target's
environment (decision ``proceed``; outcome ``ok``, or ``error`` when the target failed),
with the prompt, the output and label, ``release``, attributes naming the set, case and
run, and a downstream action ``canary_failed`` (status ``fired``) when the case failed.
They are stored marked ``canary``: production monitors and review sampling skip them, and
the ``canary_failures`` signal watches only them, one observation per case
(docs/canaries.md).  Runs against a candidate release that is not in force (the release
gate) are not emitted: those answers never reached a user, so they are not production
behaviour and must not raise alarms.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.schemas import Actor
from blastwall.canaries import service
from blastwall.canaries.enums import RunStatus, TargetKind, Trigger
from blastwall.canaries.models import CanaryRun, CanarySet
from blastwall.canaries.policy import TargetPolicy
from blastwall.canaries.runner import Outcome, Target, run_cases
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.detect import signal_params
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry import releases as registry_releases
from blastwall.registry import service as registry
from blastwall.registry.models import System
from blastwall.traces import ingest
from blastwall.traces.events import CallEvent

CANARY_ACTION = signal_params.CANARY_ACTION
CANARY_USER = "blastwall-canary"


@dataclass(frozen=True)
class Plan:
    """What step 2 needs, read in step 1."""

    run_id: int
    target: Target
    cases: list[dict[str, Any]]
    release: str | None
    environment: str


def _environment(system: System, configured: str | None) -> str:
    if configured is not None:
        return configured
    if not system.environments:
        raise InvalidInput(
            f"{system.name} declares no environments; add one to the system so canary "
            "results have somewhere to go"
        )
    return system.environments[0]


def start(
    session: Session,
    system_name: str,
    canary_set: CanarySet,
    *,
    release: str | None,
    trigger: Trigger,
    actor: Actor,
    policy: TargetPolicy | None = None,
) -> Plan:
    """Step 1: record a running run of ``canary_set`` and snapshot what the run needs.

    ``policy``: the canary target allow-lists (default: the server settings), checked
    again on every call because they may have changed since the target was stored.
    """
    system = registry.get_by_name(session, system_name)
    row = service.find_target(session, system)
    if row is None:
        raise Conflict(
            f"{system.name} has no canary target, so its canaries cannot run; set one under "
            "the system's 'canary_target:' in blastwall.yaml and run "
            "`blastwall apply -f blastwall.yaml`"
        )
    environment = _environment(system, row.environment)
    active = registry_releases.active_deployment(session, system, environment)
    active_name = active.release.name if active is not None else None
    if release is None:
        release = active_name
    else:
        registry_releases.find_release(session, system, release)  # NotFound names the fix
    run = CanaryRun(
        set_id=canary_set.id,
        system=system.name,
        set_name=canary_set.name,
        set_version=canary_set.version,
        release=release,
        environment=environment,
        trigger=trigger.value,
        status=RunStatus.running.value,
        started_by=actor.name,
        # Only runs against what is in force are production behaviour (module docstring).
        emitted=release == active_name,
    )
    session.add(run)
    session.flush()
    target = Target(
        system=system.name,
        kind=TargetKind(row.kind),
        callable=row.callable,
        url=row.url,
        method=row.method,
        body=row.body,
        output_field=row.output_field,
        label_field=row.label_field,
        timeout_s=row.timeout_s,
        policy=policy or TargetPolicy.of(),
    )
    return Plan(run.id, target, list(canary_set.cases), release, environment)


def finish(session: Session, plan: Plan, outcomes: list[Outcome], now: datetime) -> CanaryRun:
    """Step 3: store the results; send them to the detection engine when the run is emitted."""
    run = service.get_run(session, plan.run_id)
    failed = sum(1 for o in outcomes if not o.passed)
    run.results = [o.as_json() for o in outcomes]
    run.passed = len(outcomes) - failed
    run.failed = failed
    run.status = (RunStatus.failed if failed else RunStatus.passed).value
    run.finished_at = now
    if run.emitted:
        events = [(i, _event(run, plan, o, now)) for i, o in enumerate(outcomes)]
        ingest.store(session, events, received_at=now, canary=True)
    session.flush()
    return run


def _event(run: CanaryRun, plan: Plan, outcome: Outcome, now: datetime) -> CallEvent:
    actions: list[dict[str, Any]] = []
    if not outcome.passed:
        actions.append(
            {"name": CANARY_ACTION, "reversible": True, "status": "fired", "reason": outcome.reason}
        )
    return CallEvent.model_validate(
        {
            "type": "call",
            "id": uuid.uuid4().hex,
            "trace_id": f"canary-{run.id}-{outcome.case}",
            "system": run.system,
            "environment": plan.environment,
            "at": now,
            "user_id": CANARY_USER,
            "decision": "proceed",
            "outcome": "error" if outcome.error else "ok",
            "error": outcome.reason if outcome.error else None,
            "release": run.release,
            "input": outcome.prompt,
            "output": outcome.output,
            "label": outcome.label,
            "latency_ms": outcome.latency_ms,
            "actions": actions,
            "attributes": {
                "canary_set": run.set_name,
                "canary_version": run.set_version,
                "canary_case": outcome.case,
                "canary_run": run.id,
                "canary_passed": outcome.passed,
            },
        }
    )


def run_set(
    factory: sessionmaker[Session],
    system_name: str,
    set_id: int,
    *,
    release: str | None,
    trigger: Trigger,
    actor: Actor,
    policy: TargetPolicy | None = None,
) -> int:
    """Run one set version end to end (three short transactions); the run's id."""
    with unit_of_work(factory) as session:
        canary_set = session.get(CanarySet, set_id)
        if canary_set is None:
            raise NotFound(f"canary set {set_id} was deleted with its system {system_name!r}")
        plan = start(
            session,
            system_name,
            canary_set,
            release=release,
            trigger=trigger,
            actor=actor,
            policy=policy,
        )
    outcomes = run_cases(plan.target, plan.cases, plan.release)
    with unit_of_work(factory) as session:
        finish(session, plan, outcomes, utcnow())
    return plan.run_id


def run_now(
    factory: sessionmaker[Session],
    system_name: str,
    *,
    set_name: str | None,
    release: str | None,
    actor: Actor,
    trigger: Trigger = Trigger.manual,
    policy: TargetPolicy | None = None,
) -> list[int]:
    """Run one set (or every set) of the system now; the ids of the runs, in set order."""
    with unit_of_work(factory) as session:
        if set_name is not None:
            sets = [service.get_set(session, system_name, set_name)]
        else:
            sets = service.newest_sets(session, registry.get_by_name(session, system_name))
            if not sets:
                raise Conflict(
                    f"{system_name} has no canary sets to run; add one under the system's "
                    "'canaries:' in blastwall.yaml and run `blastwall apply -f blastwall.yaml`"
                )
        ids = [s.id for s in sets]
    return [
        run_set(
            factory,
            system_name,
            set_id,
            release=release,
            trigger=trigger,
            actor=actor,
            policy=policy,
        )
        for set_id in ids
    ]
