"""The review queue: sampling settings, claiming, marking, and accuracy with its interval.

Claiming is safe with many reviewers at once: on PostgreSQL the oldest pending item is
taken with ``FOR UPDATE SKIP LOCKED`` (a second reviewer skips the row the first holds and
takes the next); on SQLite every write transaction holds the database's one write lock
(``BEGIN IMMEDIATE``), so claims are serialized.  A claim not marked within ``CLAIM_TTL``
goes back to the queue, so an item held by a reviewer who left is not lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.monitors.models import Monitor
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry import service as registry
from blastwall.review import sampling
from blastwall.review.enums import Status, Verdict
from blastwall.review.models import DEFAULT_BASELINE, ReviewConfig, ReviewItem, ReviewVerdict
from blastwall.review.schemas import ReviewConfigUpdate
from blastwall.review.wilson import Interval, wilson
from blastwall.traces.models import Trace

CLAIM_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Settings:
    """A system's review settings (defaults when never set)."""

    system: str
    sample_rate: float
    baseline: int
    updated_at: datetime | None
    updated_by: str | None
    monitors: list[str]


@dataclass(frozen=True)
class Accuracy:
    """Measured accuracy: the baseline, the current window, and the queue's size."""

    system: str
    baseline: Interval
    baseline_size: int
    current: Interval
    window: int
    queue: dict[str, int]

    @property
    def drop(self) -> bool:
        return self.current.n > 0 and self.baseline.n > 0 and self.current.high < self.baseline.low


def _accuracy_monitors(session: Session, system_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Monitor.name)
            .where(Monitor.system_id == system_id, Monitor.signal == Signal.review_accuracy.value)
            .order_by(Monitor.name)
        )
    )


def get_config(session: Session, system_name: str) -> Settings:
    """A system's review settings; a system never configured samples nothing."""
    system = registry.get_by_name(session, system_name)
    row = session.get(ReviewConfig, system.id)
    monitors = _accuracy_monitors(session, system.id)
    if row is None:
        return Settings(system.name, 0.0, DEFAULT_BASELINE, None, None, monitors)
    return Settings(
        system.name, row.sample_rate, row.baseline, row.updated_at, row.updated_by, monitors
    )


def configure(
    session: Session, system_name: str, data: ReviewConfigUpdate, actor: Actor
) -> Settings:
    """Set how much of a system's output is sampled for review (audited)."""
    system = registry.get_by_name(session, system_name, lock=True)
    row = session.get(ReviewConfig, system.id)
    before = None if row is None else {"sample_rate": row.sample_rate, "baseline": row.baseline}
    after = {"sample_rate": data.sample_rate, "baseline": data.baseline}
    if before != after:
        if row is None:
            row = ReviewConfig(system_id=system.id, updated_by=actor.name, **after)
            session.add(row)
        else:
            row.sample_rate, row.baseline = data.sample_rate, data.baseline
            row.updated_by = actor.name
        row.updated_at = utcnow()
        record(
            session,
            Change(
                actor=actor,
                action="review.configure",
                target=f"system:{system.name}",
                before=before,
                after=after,
            ),
        )
        if data.sample_rate > 0:
            sampling.ensure_cursor(session)
        session.flush()
    return get_config(session, system.name)


def get(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(
            f"no review item {item_id}; `blastwall review next` gives you the next item to review"
        )
    return item


def trace_of(session: Session, item: ReviewItem) -> Trace | None:
    """The call under review (None once purged)."""
    return session.get(Trace, item.trace_row_id)


def list_(
    session: Session,
    *,
    system: str | None = None,
    status: Status | None = None,
    page: PageQuery | None = None,
) -> Page[ReviewItem]:
    """Items, oldest first."""
    statement = select(ReviewItem)
    if system is not None:
        statement = statement.where(ReviewItem.system == system)
    if status is not None:
        statement = statement.where(ReviewItem.status == status.value)
    return paginate(session, statement, keys=[ReviewItem.id], list_name="review", page=page)


def _claimable(now: datetime) -> ColumnElement[bool]:
    stale = and_(ReviewItem.status == Status.claimed.value, ReviewItem.claimed_at < now - CLAIM_TTL)
    return or_(ReviewItem.status == Status.pending.value, stale)


def next_item(
    session: Session, reviewer: str, *, system: str | None = None, now: datetime | None = None
) -> ReviewItem | None:
    """Claim the oldest unclaimed item for ``reviewer`` (the one they hold, if any)."""
    now = now or utcnow()
    if system is not None:
        registry.get_by_name(session, system)
    mine = select(ReviewItem).where(
        ReviewItem.status == Status.claimed.value,
        ReviewItem.reviewer == reviewer,
        ReviewItem.claimed_at >= now - CLAIM_TTL,
    )
    candidates = select(ReviewItem).where(_claimable(now))
    if system is not None:
        mine = mine.where(ReviewItem.system == system)
        candidates = candidates.where(ReviewItem.system == system)
    held = session.scalar(mine.order_by(ReviewItem.id).limit(1))
    if held is not None:
        return held
    item = session.scalar(
        candidates.order_by(ReviewItem.id).limit(1).with_for_update(skip_locked=True)
    )
    if item is None:
        return None
    item.status, item.reviewer, item.claimed_at = Status.claimed.value, reviewer, now
    session.flush()
    return item


def mark(
    session: Session,
    item_id: int,
    verdict: Verdict,
    reviewer: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> ReviewItem:
    """Record a verdict on an item (pending, or claimed by this reviewer) and emit it as an
    event for the accuracy monitors."""
    now = now or utcnow()
    item = session.scalar(select(ReviewItem).where(ReviewItem.id == item_id).with_for_update())
    if item is None:
        raise NotFound(
            f"no review item {item_id}; `blastwall review next` gives you the next item to review"
        )
    if item.status == Status.done.value:
        raise Conflict(
            f"review item {item_id} was already marked {item.verdict} by {item.reviewer}; "
            "a verdict is final, take the next item with `blastwall review next`"
        )
    held_by_other = (
        item.status == Status.claimed.value
        and item.reviewer != reviewer
        and item.claimed_at is not None
        and item.claimed_at >= now - CLAIM_TTL
    )
    if held_by_other:
        raise Conflict(
            f"review item {item_id} is claimed by {item.reviewer}; take your own with "
            "`blastwall review next`"
        )
    item.status, item.verdict, item.reviewer = Status.done.value, verdict.value, reviewer
    item.note, item.marked_at = note, now
    session.add(
        ReviewVerdict(
            item_id=item.id,
            trace_id=item.trace_id,
            system=item.system,
            environment=item.environment,
            at=item.at,
            received_at=now,
            verdict=verdict.value,
            reviewer=reviewer,
        )
    )
    session.flush()
    return item


def _count(verdicts: list[str]) -> Interval:
    return wilson(sum(v == Verdict.correct.value for v in verdicts), len(verdicts))


def accuracy(session: Session, system_name: str, *, window: int | None = None) -> Accuracy:
    """The baseline (the first ``baseline`` verdicts) and the last ``window`` verdicts after
    it, each with its Wilson 95% interval."""
    settings = get_config(session, system_name)
    window = window or settings.baseline
    if not 10 <= window <= 100_000:
        raise InvalidInput(f"window: {window} is out of range; use 10 to 100000 verdicts")
    ordered = select(ReviewVerdict.id, ReviewVerdict.verdict).where(
        ReviewVerdict.system == settings.system
    )
    first = session.execute(ordered.order_by(ReviewVerdict.id).limit(settings.baseline)).all()
    current: list[str] = []
    if len(first) == settings.baseline:
        after = ordered.where(ReviewVerdict.id > first[-1][0])
        newest = session.execute(after.order_by(ReviewVerdict.id.desc()).limit(window))
        current = [v for _, v in newest]
    queue = dict.fromkeys((s.value for s in Status), 0)
    counts = session.execute(
        select(ReviewItem.status, func.count())
        .where(ReviewItem.system == settings.system)
        .group_by(ReviewItem.status)
    )
    queue.update({status: int(n) for status, n in counts})
    return Accuracy(
        settings.system,
        _count([v for _, v in first]),
        settings.baseline,
        _count(current),
        window,
        queue,
    )
