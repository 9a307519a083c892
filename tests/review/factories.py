"""Review test data: a registered system, calls with seeded event ids, a sampled queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.db.session import unit_of_work
from blastwall.review import sampling, service
from blastwall.review.models import ReviewItem
from blastwall.review.schemas import ReviewConfigUpdate
from tests.detect.engine_factories import ENVIRONMENT, SYSTEM, push, register

Factory = sessionmaker[Session]
ADMIN = Actor(name="root", role=Role.admin)
T0 = datetime(2025, 1, 1, tzinfo=UTC)

__all__ = ["ADMIN", "SYSTEM", "Factory", "call", "calls", "configure", "items", "queue", "register"]


def call(index: int, *, seed: int = 1, **fields: Any) -> dict[str, Any]:
    """A call whose event id is fixed by ``seed`` and ``index`` (so sampling is known)."""
    event: dict[str, Any] = {
        "id": f"{seed:08x}{index:024x}",
        "type": "call",
        "trace_id": f"trace-{seed}-{index}",
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": (T0 + timedelta(milliseconds=index)).isoformat(),
        "decision": "proceed",
        "outcome": "ok",
        "input": f"question {index}",
        "output": f"answer {index}",
    }
    event.update(fields)
    return event


def calls(n: int, *, first: int = 0, seed: int = 1, **fields: Any) -> list[dict[str, Any]]:
    return [call(first + i, seed=seed, **fields) for i in range(n)]


def configure(factory: Factory, rate: float, *, baseline: int = 400, system: str = SYSTEM) -> None:
    with unit_of_work(factory) as session:
        body = ReviewConfigUpdate(sample_rate=rate, baseline=baseline)
        service.configure(session, system, body, ADMIN)


def queue(factory: Factory, events: Iterable[dict[str, Any]]) -> sampling.SampleReport:
    """Store the calls through ingest, then run the sampler once."""
    push(factory, list(events))
    return sampling.sample_new(factory)


def items(factory: Factory) -> list[ReviewItem]:
    with factory() as session:
        return list(session.scalars(select(ReviewItem).order_by(ReviewItem.id)))
