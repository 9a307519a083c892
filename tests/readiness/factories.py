"""Test data for readiness: traces as ingest stores them, a ready example, a drill's kill."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.canaries import service as canaries
from blastwall.canaries.policy import TargetPolicy
from blastwall.canaries.schemas import TargetSpec
from blastwall.changes.models import AuditEntry
from blastwall.detect.monitors.models import Monitor, MonitorState
from blastwall.levers import service as levers
from blastwall.traces.models import Trace

DRILL = Actor(name="drill:kill-1", role=Role.admin)
_ids = itertools.count(1)


def trace(
    session: Session,
    system: str,
    received_at: datetime,
    *,
    environment: str = "prod",
    release: str | None = "v2",
    actions: list[dict[str, Any]] | None = None,
) -> None:
    """One stored call trace, as the ingest writes it."""
    n = next(_ids)
    session.add(
        Trace(
            event_id=f"{n:032x}",
            trace_id=f"t{n}",
            system=system,
            environment=environment,
            at=received_at - timedelta(seconds=1),
            received_at=received_at,
            decision="proceed",
            outcome="ok",
            release=release,
            payload={"actions": actions or []},
        )
    )
    session.flush()


def gate_canaries(session: Session, system: str) -> None:
    spec = TargetSpec.model_validate(
        {"kind": "http", "url": "http://canary.test/ask", "release_gate": True}
    )
    admin = Actor(name="root", role=Role.admin)
    canaries.put_target(session, system, spec, admin, TargetPolicy(http_hosts=("canary.test",)))


def monitors_watching(session: Session, system_id: int) -> None:
    """Every monitor of the system past learning (as the engine leaves them)."""
    for monitor in session.scalars(select(Monitor).where(Monitor.system_id == system_id)):
        session.add(
            MonitorState(
                monitor_id=monitor.id,
                config_version=monitor.config_version,
                phase="monitoring",
                baseline={},
            )
        )
    session.flush()


def drill_kill(session: Session, system: str, environment: str = "staging") -> AuditEntry:
    """A game day pulls the kill switch and restores it; returns the kill's audit entry."""
    levers.change(session, system, environment, {"killed": True}, actor=DRILL, reason="drill")
    kill = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert kill is not None
    levers.change(session, system, environment, {"killed": False}, actor=DRILL, reason="drill")
    return kill
