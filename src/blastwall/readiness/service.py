"""Readiness of one system or all: every check of readiness/checks.py, read-only.

The console's overview and the API call these; drills count as exercising the kill switch
because a drill's pull is an audited ``lever.*`` change like any other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.db.base import utcnow
from blastwall.readiness.checks import CHECKS, Facts
from blastwall.readiness.schemas import Readiness
from blastwall.registry import service as registry
from blastwall.registry.models import System
from blastwall.triage.service import primary_environment

KILL_DAYS = 90  # Settings.readiness_kill_days' default: a kill pull counts this long


def _of(session: Session, system: System, now: datetime, kill_days: int) -> Readiness:
    env = primary_environment(system)
    facts = Facts(session=session, system=system, environment=env, now=now, kill_days=kill_days)
    return Readiness.of(system.name, env, now, [check(facts) for check in CHECKS])


def for_system(
    session: Session, system_name: str, *, now: datetime | None = None, kill_days: int = KILL_DAYS
) -> Readiness:
    """The readiness of ``system_name`` at ``now``. NotFound if the registry lacks it."""
    system = registry.get_by_name(session, system_name)
    return _of(session, system, now or utcnow(), kill_days)


def for_all(
    session: Session, *, now: datetime | None = None, kill_days: int = KILL_DAYS
) -> list[Readiness]:
    """Every registered system's readiness at ``now``, by name."""
    at = now or utcnow()
    systems = session.scalars(select(System).order_by(System.name))
    return [_of(session, system, at, kill_days) for system in systems]
