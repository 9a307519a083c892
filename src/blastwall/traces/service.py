"""Reading traces (filters, one trace's record), staff feedback, and retention."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, not_, or_, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.traces.events import Rating
from blastwall.traces.models import EVENT_TABLES, Trace, TraceFeedback
from blastwall.traces.rows import MAX_TEXT_CHARS
from blastwall.traces.schemas import TraceQuery


def list_(session: Session, query: TraceQuery) -> Page[Trace]:
    """Calls matching ``query``, newest first, one page (follow its ``next_cursor``)."""
    if query.since and query.until and query.since >= query.until:
        raise InvalidInput(
            f"since ({query.since.isoformat()}) must be before until "
            f"({query.until.isoformat()}); swap them or widen the window"
        )
    return paginate(
        session,
        select(Trace).where(*_conditions(query)),
        keys=[Trace.at, Trace.id],
        list_name="traces",
        page=PageQuery(limit=query.limit, cursor=query.cursor),
        descending=True,
    )


def _conditions(query: TraceQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for name in ("system", "environment", "user_id", "label", "decision", "outcome"):
        value = getattr(query, name)
        if value is not None:
            conditions.append(getattr(Trace, name) == value)
    if query.since is not None:
        conditions.append(Trace.at >= query.since)
    if query.until is not None:
        conditions.append(Trace.at < query.until)
    return conditions


def get(session: Session, trace_id: str) -> tuple[list[Trace], list[TraceFeedback]]:
    """Every call recorded under ``trace_id`` and the feedback on it, oldest first."""
    calls = list(
        session.scalars(
            select(Trace).where(Trace.trace_id == trace_id).order_by(Trace.at, Trace.id)
        )
    )
    feedback = list(
        session.scalars(
            select(TraceFeedback)
            .where(TraceFeedback.trace_id == trace_id)
            .order_by(TraceFeedback.at, TraceFeedback.id)
        )
    )
    if not calls and not feedback:
        raise NotFound(
            f"no trace {trace_id!r}; check the id (the X-AI-Trace-Id your app returned) or "
            "list recent ones with `blastwall trace list` (SDKs send traces every few seconds)"
        )
    return calls, feedback


def add_feedback(
    session: Session, trace_id: str, *, rating: Rating, comment: str | None, actor: Actor
) -> TraceFeedback:
    """Record a staff member's flag on a stored trace (D6); the SDK sends feedback as events."""
    call = session.scalar(
        select(Trace).where(Trace.trace_id == trace_id).order_by(Trace.id.desc()).limit(1)
    )
    if call is None:
        raise NotFound(
            f"no trace {trace_id!r} to flag; check the id or find it with `blastwall trace list`"
        )
    now = utcnow()
    feedback = TraceFeedback(
        event_id=uuid.uuid4().hex,
        trace_id=trace_id,
        system=call.system,
        environment=call.environment,
        at=now,
        received_at=now,
        user_id=call.user_id,
        rating=rating.value,
        comment=comment[:MAX_TEXT_CHARS] if comment else comment,
        by=actor.name,
    )
    session.add(feedback)
    session.flush()
    return feedback


def purge(
    session: Session, *, before: datetime, keep: Sequence[tuple[datetime, datetime]] = ()
) -> dict[str, int]:
    """Delete events older than ``before`` except inside ``keep`` windows (F4 evidence).

    Returns the number of rows deleted per table.
    """
    deleted: dict[str, int] = {}
    for model in EVENT_TABLES:
        column = model.at
        kept = [and_(column >= start, column <= end) for start, end in keep]
        statement = delete(model).where(column < before)
        if kept:
            statement = statement.where(not_(or_(*kept)))
        result = session.execute(statement)
        deleted[model.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    return deleted
