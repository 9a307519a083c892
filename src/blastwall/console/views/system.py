"""A system's page: releases, known-good, what differs, levers, monitors, canaries, policies,
triage and runbook, read through each domain's service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.canaries import service as canaries
from blastwall.canaries.models import CanaryRun, CanarySet
from blastwall.console.views.common import lever_words, open_incidents
from blastwall.db.pagination import PageQuery
from blastwall.detect.monitors.models import Monitor
from blastwall.exceptions import Conflict, NotFound
from blastwall.incidents.models import Incident
from blastwall.levers import service as levers
from blastwall.levers.models import LeverState
from blastwall.policies import service as policies
from blastwall.registry import known_good, releases
from blastwall.registry import service as registry
from blastwall.registry.models import Release, System
from blastwall.runbook import service as runbook
from blastwall.runbook.schemas import RunbookRead
from blastwall.triage import service as triage
from blastwall.triage.service import Question

RECENT = 10


@dataclass
class Environment:
    """One environment: the release in force, the known-good one, and what differs."""

    name: str
    active: str | None
    known_good: str | None
    differs: list[str]  # surfaces whose version differs from known-good


@dataclass
class SystemPage:
    system: System
    environments: list[Environment]
    releases: list[Release]
    levers: list[tuple[LeverState, list[str]]]
    monitors: list[Monitor]
    canary_sets: list[CanarySet]
    canary_runs: list[CanaryRun]
    policies: list[dict[str, Any]]
    triage: list[Question]
    runbook: RunbookRead
    incidents: list[Incident]


def _environments(session: Session, system: System) -> list[Environment]:
    try:
        good: Release | None = releases.newest_known_good(session, system)
    except Conflict:  # none marked: the page says so beside each environment
        good = None
    found = []
    for name in system.environments:
        deployment = releases.active_deployment(session, system, name)
        differs: list[str] = []
        if deployment is not None and good is not None:
            facts = known_good.facts(session, [deployment.release_id, good.id])
            differs = known_good.changed_surfaces(facts[good.id], facts[deployment.release_id])
        found.append(
            Environment(
                name,
                deployment.release.name if deployment else None,
                good.name if good else None,
                differs,
            )
        )
    return found


def _triage(session: Session, system: System) -> list[Question]:
    try:
        return triage.tree_of(session, system)
    except NotFound:  # no tree declared: the page says how to add one
        return []


def build(session: Session, name: str, now: datetime | None = None) -> SystemPage:
    """Everything the system page shows."""
    system = registry.get_by_name(session, name)
    recent = PageQuery(limit=RECENT)
    states = levers.list_for_system(session, name).items
    monitors = session.scalars(
        select(Monitor).where(Monitor.system_id == system.id).order_by(Monitor.name)
    )
    return SystemPage(
        system=system,
        environments=_environments(session, system),
        releases=releases.list_releases(session, name, recent).items,
        levers=[(s, lever_words(s)) for s in states],
        monitors=list(monitors),
        canary_sets=canaries.newest_sets(session, system),
        canary_runs=canaries.list_runs(session, system=name, page=recent).items,
        policies=[p.as_dict() for p in policies.list_(session) if p.spec.system == name],
        triage=_triage(session, system),
        runbook=runbook.get(session, name, now or datetime.now(UTC)),
        incidents=open_incidents(session, system.id),
    )
