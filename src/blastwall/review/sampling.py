"""Sampling outputs into the review queue: a hash of each call's event id against the rate.

The decision depends only on the event id and the rate, so it is reproducible (the same
calls are sampled whoever runs the sampler, however often, in whatever batches) and
unbiased (a good hash of an id is independent of what the call said or how it went).  A
call is sampled when ``blake2b(event_id) / 2**64 < rate``: raising the rate keeps every
call sampled before and adds more.

The sampler tails the traces table after ingest, like the detection engine: its own cursor
(``review_cursors``), the engine's exact horizon (``detect.monitors.source.horizon``), rows
read in a read transaction and items written in a short one that checks the cursor did not
move meanwhile.  Ingest never waits for it, apart from the engine's horizon lock on
PostgreSQL.  Only calls the model answered are sampled (decision proceed or reroute,
outcome ok): a fallback served during a kill is not the model's output.  Canary cases'
calls are never sampled: they are not users' traffic.

The server runs it as a background task (``SamplingTask``) whenever it runs the detection
engine, at the engine's interval.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.base import utcnow
from blastwall.detect.monitors import source
from blastwall.detect.signals import MODEL_DECISIONS
from blastwall.registry.models import System
from blastwall.review.models import ReviewConfig, ReviewCursor, ReviewItem
from blastwall.traces.models import Trace

CURSOR = "traces"
BATCH_LIMIT = 50_000
_SCALE = float(2**64)
_COLUMNS = (
    Trace.id,
    Trace.event_id,
    Trace.trace_id,
    Trace.system,
    Trace.environment,
    Trace.at,
)


def score(event_id: str) -> float:
    """Where an event id falls in [0, 1): sampled when below the rate."""
    digest = hashlib.blake2b(event_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def sampled(event_id: str, rate: float) -> bool:
    """Whether the call with this event id goes to review at this rate."""
    return score(event_id) < rate


@dataclass
class SampleReport:
    """What one pass read and queued."""

    read: int = 0
    queued: int = 0
    more: bool = False
    skipped: str | None = None


def ensure_cursor(session: Session) -> None:
    """Start the sampler at the newest trace, once: sampling covers what arrives next."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if session.get(ReviewCursor, CURSOR) is None:
        session.execute(
            insert(ReviewCursor)
            .values(name=CURSOR, last_id=source.max_id(session, source.TRACES))
            .on_conflict_do_nothing(index_elements=["name"])
        )


def sample_new(factory: sessionmaker[Session], *, limit: int = BATCH_LIMIT) -> SampleReport:
    """Queue the sampled calls among the traces stored since the last pass."""
    with factory() as session, session.begin():
        cursor = session.scalar(select(ReviewCursor.last_id).where(ReviewCursor.name == CURSOR))
        if cursor is None:
            return SampleReport(skipped="no system was ever given a sample rate")
        rates = dict(
            session.execute(
                select(System.name, ReviewConfig.sample_rate)
                .join(System, System.id == ReviewConfig.system_id)
                .where(ReviewConfig.sample_rate > 0)
            ).all()
        )
    bounds = source.horizon(factory, [source.TRACES])
    if bounds is None:
        return SampleReport(skipped="the horizon lock was not granted in time")
    with factory() as session, session.begin():
        bound = bounds[source.TRACES]
        if bound is None:
            bound = source.max_id(session, source.TRACES)
        rows = []
        if rates:
            rows = list(
                session.execute(
                    select(*_COLUMNS)
                    .where(
                        Trace.id > cursor,
                        Trace.id <= bound,
                        Trace.system.in_(sorted(rates)),
                        Trace.decision.in_(MODEL_DECISIONS),
                        Trace.outcome == "ok",
                        # Canary cases are synthetic prompts, not user traffic to review.
                        Trace.canary.is_(False),
                    )
                    .order_by(Trace.id)
                    .limit(limit)
                )
            )
    more = len(rows) >= limit
    upto = rows[-1][0] if more else max(bound, cursor)
    now = utcnow()
    items = [
        {
            "trace_row_id": row_id,
            "event_id": event_id,
            "trace_id": trace_id,
            "system": system,
            "environment": environment,
            "at": at,
            "sampled_at": now,
            "status": "pending",
            "note": "",
        }
        for row_id, event_id, trace_id, system, environment, at in rows
        if sampled(event_id, rates[system])
    ]
    with factory() as session, session.begin():
        held = session.scalar(
            select(ReviewCursor).where(ReviewCursor.name == CURSOR).with_for_update()
        )
        if held is None or held.last_id != cursor:
            return SampleReport(skipped="another sampler advanced the cursor; re-reading")
        if items:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            session.execute(
                insert(ReviewItem).on_conflict_do_nothing(index_elements=["trace_row_id"]),
                items,
            )
        held.last_id = upto
    return SampleReport(read=len(rows), queued=len(items), more=more)


class SamplingTask:
    """Review sampling as a background task (``blastwall.tasks``), run with the engine.

    A tick samples until caught up, for at most ``budget_s`` seconds.
    """

    name = "review-sampling"

    def __init__(
        self, factory: sessionmaker[Session], interval_s: float, *, budget_s: float = 10.0
    ) -> None:
        self.factory = factory
        self.interval_s = interval_s
        self.budget_s = budget_s

    def tick(self) -> None:
        deadline = time.monotonic() + self.budget_s
        while sample_new(self.factory).more and time.monotonic() < deadline:
            pass
