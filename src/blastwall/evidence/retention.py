"""Retention (F4): delete SDK events past their system's retention, never a held one.

Each system keeps its traces, feedback, filter hits and SDK status reports for its
``retention_days`` (the server's ``BLASTWALL_RETENTION_DAYS`` when unset); events of names
no longer registered keep the server's default. Deleted in batches of ``batch`` rows, each
batch its own short transaction, so ingest never waits long behind a purge. Events inside
an incident's held window (``windows.py``) are skipped while the hold lasts. Each round
that deleted something records one ``evidence.retention`` change per system (audited).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.config import Settings
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.evidence import windows
from blastwall.registry.models import System
from blastwall.traces.models import EVENT_TABLES

RETENTION_ACTOR = Actor(name="retention", role=Role.responder)
MAX_TICK_S = 5.0
"""Longest one round keeps deleting, so the runner can stop it within seconds."""

Spans = list[tuple[datetime, datetime]]


@dataclass(frozen=True)
class Policy:
    """How long events are kept and held (from Settings)."""

    default_days: int = 90
    margin: timedelta = timedelta(hours=1)
    keep_days: int = 365
    batch: int = 5000

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            default_days=settings.retention_days,
            margin=timedelta(seconds=settings.evidence_margin_s),
            keep_days=settings.evidence_keep_days,
            batch=settings.retention_batch,
        )


@dataclass
class Purged:
    """Rows deleted per system and table in one round."""

    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    finished: bool = True

    def add(self, system: str, table: str, count: int) -> None:
        per_table = self.rows.setdefault(system, {})
        per_table[table] = per_table.get(table, 0) + count


UNREGISTERED = "(unregistered)"


@dataclass(frozen=True)
class _Scope:
    """Which events one group of deletions covers: one system's (``system``), or those of
    every name not registered (``system`` None, ``registered`` the names to leave)."""

    label: str
    system: str | None
    registered: tuple[str, ...]
    cutoff: datetime
    held: Spans


def purge(
    factory: sessionmaker[Session],
    policy: Policy,
    *,
    now: datetime | None = None,
    budget_s: float = MAX_TICK_S,
    clock: Callable[[], float] = time.monotonic,
) -> Purged:
    """One round: delete expired, unheld events batch by batch until none are left or
    ``budget_s`` runs out (``finished`` says which)."""
    now = now or utcnow()
    with unit_of_work(factory) as session:
        scopes = _scopes(session, policy, now)
    purged = Purged()
    began = clock()
    for scope in scopes:
        for model in EVENT_TABLES:
            count = policy.batch
            while count == policy.batch:
                if clock() - began > budget_s:
                    purged.finished = False
                    _audit(factory, purged, now)
                    return purged
                with unit_of_work(factory) as session:
                    count = _delete_batch(session, model, scope, policy.batch)
                if count:
                    purged.add(scope.label, model.__tablename__, count)
    _audit(factory, purged, now)
    return purged


def _scopes(session: Session, policy: Policy, now: datetime) -> list[_Scope]:
    held = windows.by_system(windows.holding(session, now, policy.margin, policy.keep_days))
    query = select(System.name, System.retention_days).order_by(System.name)
    systems = list(session.execute(query))
    names = tuple(name for name, _ in systems)
    scopes = [
        _Scope(
            name, name, names, now - timedelta(days=days or policy.default_days), held.get(name, [])
        )
        for name, days in systems
    ]
    # A deleted or renamed system's events: the default retention, skipping every held
    # span of any system, to be safe.
    every_span = [span for spans in held.values() for span in spans]
    cutoff = now - timedelta(days=policy.default_days)
    scopes.append(_Scope(UNREGISTERED, None, names, cutoff, every_span))
    return scopes


def _delete_batch(session: Session, model: Any, scope: _Scope, batch: int) -> int:
    """Delete up to ``batch`` expired, unheld rows of ``model`` in ``scope``; how many."""
    conditions: list[ColumnElement[bool]] = [model.at < scope.cutoff]
    if scope.system is not None:
        conditions.append(model.system == scope.system)
    elif scope.registered:
        conditions.append(model.system.not_in(scope.registered))
    if scope.held:
        conditions.append(
            not_(or_(*(and_(model.at >= start, model.at <= end) for start, end in scope.held)))
        )
    ids = list(session.scalars(select(model.id).where(*conditions).limit(batch)))
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


def _audit(factory: sessionmaker[Session], purged: Purged, now: datetime) -> None:
    if not purged.rows:
        return
    with unit_of_work(factory) as session:
        for system, tables in purged.rows.items():
            record(
                session,
                Change(
                    action="evidence.retention",
                    target=system,
                    actor=RETENTION_ACTOR,
                    reason="past retention, outside every held incident window",
                    after={"deleted": tables, "at": now.isoformat()},
                    system=None if system == UNREGISTERED else system,
                ),
            )


class RetentionTask:
    """The ``retention`` background task (one replica at a time; docs/evidence.md)."""

    name = "retention"

    def __init__(
        self, factory: sessionmaker[Session], policy: Policy, *, interval_s: float = 300.0
    ) -> None:
        self.factory = factory
        self.policy = policy
        self.interval_s = interval_s
        self._started = False

    def tick(self) -> None:
        """One purge round; the first comes one interval after the server starts, so a
        restart never piles a purge onto startup (and tests never meet one)."""
        if not self._started:
            self._started = True
            return
        purge(self.factory, self.policy)
