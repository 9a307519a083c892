"""Runs each canary set that is due (``interval_s`` since its last scheduled run) (D3).

``run_due(factory, now)`` is one pass; the server runs it as a background task
(``SchedulerTask``) every few seconds, and tests call it directly with a chosen ``now``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.canaries import runs, service
from blastwall.canaries.enums import Trigger
from blastwall.canaries.models import CanaryRun, CanaryTarget
from blastwall.canaries.policy import TargetPolicy
from blastwall.db.base import utcnow
from blastwall.registry.models import System

log = logging.getLogger(__name__)
SCHEDULER = Actor(name="canary-scheduler", role=Role.responder)
TICK_S = 5.0


@dataclass(frozen=True)
class Due:
    system: str
    set_id: int
    set_name: str


def due(session: Session, now: datetime) -> list[Due]:
    """Sets with an interval whose last scheduled run started at least that long ago."""
    found = []
    systems = session.scalars(
        select(System).join(CanaryTarget, CanaryTarget.system_id == System.id)
    )
    for system in systems:
        for canary_set in service.newest_sets(session, system):
            if canary_set.interval_s is None:
                continue
            last = session.scalar(
                select(func.max(CanaryRun.started_at)).where(
                    CanaryRun.system == system.name,
                    CanaryRun.set_name == canary_set.name,
                    CanaryRun.trigger == Trigger.schedule.value,
                )
            )
            if last is None or last + timedelta(seconds=canary_set.interval_s) <= now:
                found.append(Due(system.name, canary_set.id, canary_set.name))
    return found


def run_due(
    factory: sessionmaker[Session], now: datetime, policy: TargetPolicy | None = None
) -> list[int]:
    """Run every due set once; the new runs' ids.  A set that cannot run is logged, skipped.

    ``policy``: the canary target allow-lists (default: the server settings).
    """
    with factory() as session, session.begin():
        pending = due(session, now)
    ran = []
    for item in pending:
        try:
            ran.append(
                runs.run_set(
                    factory,
                    item.system,
                    item.set_id,
                    release=None,
                    trigger=Trigger.schedule,
                    actor=SCHEDULER,
                    policy=policy,
                )
            )
        except Exception:
            log.exception("canary set %s of %s could not run", item.set_name, item.system)
    return ran


class SchedulerTask:
    """``run_due`` as a background task (``blastwall.tasks``): one pass every ``interval_s``."""

    name = "canary-scheduler"

    def __init__(
        self,
        factory: sessionmaker[Session],
        interval_s: float = TICK_S,
        policy: TargetPolicy | None = None,
    ) -> None:
        self.factory = factory
        self.policy = policy
        self.interval_s = interval_s

    def tick(self) -> None:
        run_due(self.factory, utcnow(), self.policy)
