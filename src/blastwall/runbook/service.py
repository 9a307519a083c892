"""Build a system's runbook from what Blastwall already knows: the registry's levers, tools
and sources, the known-good release, the auto-containment policies in force, who is on call
and who owns it. Reads only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.exceptions import Conflict
from blastwall.oncall import resolve
from blastwall.policies import service as policies
from blastwall.policies.evaluate import plan_sentence
from blastwall.registry import releases
from blastwall.registry import service as registry
from blastwall.registry.enums import SurfaceKind
from blastwall.registry.models import Release, System
from blastwall.runbook import commands
from blastwall.runbook.schemas import (
    LeverStep,
    OnCall,
    OnCallLevel,
    PersonRef,
    PolicyStep,
    RollbackStep,
    RunbookRead,
    TriageHint,
)
from blastwall.triage.models import TriageTree
from blastwall.triage.service import primary_environment

SEVERITY = 1  # a runbook is read in the worst case: who is paged for a severity 1


def _sources(session: Session, system: System, environment: str) -> list[str]:
    """The retrieval sources of the release in force (else the newest), in surface order."""
    deployment = releases.active_deployment(session, system, environment)
    release: Release | None = deployment.release if deployment else None
    release = release or releases.newest_release(session, system)
    found: list[str] = []
    for item in release.items if release else []:
        if item.surface.kind == SurfaceKind.retrieval:
            listed = item.version.content.get("sources")
            if isinstance(listed, list):
                found += [str(s) for s in listed if str(s) not in found]
    return found


def _levers(session: Session, system: System, env: str) -> list[LeverStep]:
    name = system.name
    steps = [
        LeverStep(
            lever="kill",
            does="Stops all AI output; users get the fallback.",
            command=commands.lever(name, "kill", None, env),
        ),
        LeverStep(
            lever="human_fallback",
            does="Queues the work for a human instead of the model answering.",
            command=commands.lever(name, "human_fallback", None, env),
        ),
        LeverStep(
            lever="safe_mode",
            does="Answers from the app's safe path: templated, retrieval-only or rule-based.",
            command=commands.lever(name, "safe_mode", None, env),
        ),
    ]
    # Irreversible actions first: they are the ones whose harm cannot be undone.
    for action in sorted(system.actions, key=lambda a: (a.reversible, a.name)):
        steps.append(
            LeverStep(
                lever="disable_tool",
                does=f"Stops the model calling {action.name}"
                + ("" if action.reversible else " (irreversible: money or data cannot be recalled)")
                + ".",
                command=commands.lever(name, "disable_tool", action.name, env),
                tool=action.name,
                reversible=action.reversible,
            )
        )
    sources = _sources(session, system, env)
    if sources:
        steps.append(
            LeverStep(
                lever="retrieval",
                does="Retrieves only from the sources listed: delete the suspect ones first.",
                command=commands.lever(name, "retrieval", ",".join(sources), env),
                sources=sources,
            )
        )
    return steps


def _rollback(session: Session, system: System) -> list[RollbackStep]:
    try:
        known_good: str | None = releases.newest_known_good(session, system).name
        missing = ""
    except Conflict as exc:
        known_good, missing = None, exc.detail
    steps = []
    for env in system.environments:
        deployment = releases.active_deployment(session, system, env)
        active = deployment.release.name if deployment else None
        note = missing
        command = commands.rollback(system.name, known_good, env) if known_good else None
        if active is None:
            note, command = (
                f"nothing is activated in {env} yet: there is nothing to roll back",
                None,
            )
        elif active == known_good:
            note = f"{known_good} is already in force in {env}"
        steps.append(
            RollbackStep(
                environment=env, active=active, known_good=known_good, command=command, note=note
            )
        )
    return steps


def _on_call(session: Session, system: str, at: datetime) -> OnCall:
    now = resolve.now(session, system, SEVERITY, at)
    levels = [
        OnCallLevel(
            level=level.level,
            delay_minutes=level.delay_minutes,
            people=[
                PersonRef(name=p.name, display_name=p.display_name, handle=p.handle)
                for p in level.people
            ],
        )
        for level in now.levels
    ]
    return OnCall(policy=now.policy.name if now.policy else None, levels=levels)


def _triage(session: Session, system: System) -> TriageHint | None:
    tree = session.scalar(select(TriageTree).where(TriageTree.system_id == system.id))
    if tree is None or not tree.questions:
        return None
    first: dict[str, Any] = tree.questions[0]
    return TriageHint(first_question=first["text"], command="blastwall triage INCIDENT_ID")


def _policies(session: Session, system: str, at: datetime) -> list[PolicyStep]:
    """The system's policies, enforce first: those are the ones that act without a person."""
    views = [v for v in policies.list_(session, at) if v.spec.system == system]
    views.sort(key=lambda v: (v.spec.mode.value != "enforce", v.spec.name))
    return [
        PolicyStep(
            name=v.spec.name,
            mode=v.spec.mode.value,
            when=v.spec.when.describe(),
            does=plan_sentence(v.spec),
            cooldown=v.spec.cooldown,
            max_per_hour=v.spec.max_per_hour,
            activations_last_hour=v.activations_last_hour,
            last_fired=v.last_fired,
        )
        for v in views
    ]


def get(session: Session, name: str, at: datetime) -> RunbookRead:
    """The runbook of system ``name`` as of ``at``. NotFound if the registry lacks it."""
    system = registry.get_by_name(session, name)
    env = primary_environment(system)
    return RunbookRead(
        system=system.name,
        description=system.description,
        owner=system.owner,
        risk_tier=system.risk_tier,
        fallback=system.fallback,
        environment=env,
        environments=list(system.environments),
        levers=_levers(session, system, env),
        restore=commands.restore(system.name, env),
        rollback=_rollback(session, system),
        on_call=_on_call(session, system.name, at),
        policies=_policies(session, system.name, at),
        policies_command=commands.POLICIES,
        triage=_triage(session, system),
    )
