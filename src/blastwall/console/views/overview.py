"""The overview: every system with its levers, release in force, readiness, incidents, alarms."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.console.views.common import (
    alarms_of,
    lever_words,
    open_incidents,
    recent_decisions,
)
from blastwall.detect.monitors.models import Alarm
from blastwall.incidents.models import Incident
from blastwall.levers.models import LeverState
from blastwall.registry import releases
from blastwall.registry import service as registry


@dataclass
class SystemRow:
    """One system as the overview shows it."""

    name: str
    owner: str
    risk_tier: str
    levers: dict[str, list[str]]  # scope ('*' or an environment) -> words; {} when all normal
    active: dict[str, str]  # environment -> release in force
    incidents: list[Incident] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    readiness: Any = None
    decisions: Counter[str] = field(default_factory=Counter)  # SDK decisions, last minute


@dataclass
class Overview:
    systems: list[SystemRow]
    incidents: list[Incident]
    alarms: list[Alarm]
    readiness_available: bool


def _readiness() -> Callable[[Session, str], Any] | None:
    # EXTENSION POINT (issue 12 §4): readiness is being built in blastwall.readiness; the
    # overview shows it once `readiness.service.for_system(session, name)` exists.
    try:
        module = importlib.import_module("blastwall.readiness.service")
    except ImportError:
        return None
    found: Callable[[Session, str], Any] | None = getattr(module, "for_system", None)
    return found


def build(session: Session, now: datetime | None = None) -> Overview:
    """Everything the overview shows, read in one transaction."""
    decisions = recent_decisions(session, now or datetime.now(UTC))
    incidents = open_incidents(session)
    alarms = alarms_of(session, [i.id for i in incidents])
    readiness = _readiness()
    states: dict[int, list[LeverState]] = {}
    for state in session.scalars(select(LeverState)):
        states.setdefault(state.system_id, []).append(state)
    rows = []
    for system in registry.all_(session):
        active = {}
        for environment in system.environments:
            deployment = releases.active_deployment(session, system, environment)
            active[environment] = deployment.release.name if deployment else "nothing active"
        levers = {
            s.environment: words
            for s in sorted(states.get(system.id, []), key=lambda s: s.environment)
            if (words := lever_words(s))
        }
        rows.append(
            SystemRow(
                name=system.name,
                owner=system.owner,
                risk_tier=system.risk_tier,
                levers=levers,
                active=active,
                incidents=[i for i in incidents if i.system_id == system.id],
                alarms=[a for a in alarms if a.system == system.name],
                readiness=readiness(session, system.name) if readiness else None,
                decisions=decisions.get(system.name, Counter()),
            )
        )
    return Overview(rows, incidents, alarms, readiness is not None)
