"""Reading event rows for the engine: one query per table per tick, below a safe horizon.

Why a horizon: the engine reads each table by primary key from its cursor, and must never
move the cursor past an id whose row is not committed yet, or that row would be skipped
for good.

* SQLite has one writer at a time (WAL, ``BEGIN IMMEDIATE``), and a rowid is taken and
  committed inside that writer's transaction, so any row a reader sees has every smaller id
  committed (or rolled back) before it: everything visible is safe.
* PostgreSQL hands out sequence values to concurrent transactions that commit in any
  order: id 101 can be visible while id 100's transaction is still open.  Before reading,
  the engine takes ``LOCK TABLE ... IN SHARE MODE`` in a transaction of its own.  That lock
  waits until every transaction that inserted into the tables has finished and holds new
  inserts back until it is released, so the largest id visible under it is a horizon below
  which nothing can still appear.  It is held only for those ``max(id)`` lookups (well under
  a millisecond, plus the wait for in-flight ingest commits), with a lock timeout, so
  ingest stalls for at most that long once per tick; if the lock is not granted in time
  the tick is skipped and tried again.  Rows are then read up to the horizon in a separate,
  ordinary transaction.  (A time-based horizon such as "received over a second ago" is not
  exact: a slow transaction can commit a row older than that after the cursor has passed
  it.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from blastwall.detect.signals import FEEDBACK_COLUMNS, REVIEW_COLUMNS, Rows, Spec
from blastwall.review.models import ReviewVerdict
from blastwall.traces.models import Trace, TraceFeedback

TRACES = "traces"
FEEDBACK = "trace_feedback"
REVIEWS = "review_verdicts"
FEEDBACK_NAMES = FEEDBACK_COLUMNS
MODELS: dict[str, type[Trace] | type[TraceFeedback] | type[ReviewVerdict]] = {
    TRACES: Trace,
    FEEDBACK: TraceFeedback,
    REVIEWS: ReviewVerdict,
}
# The columns read from each table a signal reads besides (or instead of) the traces.
SIDE_COLUMNS = {FEEDBACK: FEEDBACK_COLUMNS, REVIEWS: REVIEW_COLUMNS}


def side(spec: Spec) -> str | None:
    """The other table a monitor's signal reads: feedback, review verdicts, or none."""
    if spec.definition.feedback:
        return FEEDBACK
    return REVIEWS if spec.definition.reviews else None


LOCK_TIMEOUT_MS = 1000

# Payload keys read without loading the whole payload (the database extracts them).
_PAYLOAD_KEYS = ("actions", "filters", "attributes")


def _column(table: str, name: str) -> ColumnElement[Any]:
    if table == TRACES and name in _PAYLOAD_KEYS:
        return Trace.payload[name].label(name)
    column: ColumnElement[Any] = getattr(MODELS[table], name)
    return column


def horizon(factory: sessionmaker[Session], tables: Sequence[str]) -> dict[str, int | None] | None:
    """The largest id per table below which every row is committed (None: no bound needed).

    Returns None when PostgreSQL did not grant the lock in time: skip this tick.
    """
    if factory.kw["bind"].dialect.name != "postgresql":
        return dict.fromkeys(tables)
    try:
        with factory() as session, session.begin():
            session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
            session.execute(text(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE"))
            return {table: max_id(session, table) for table in tables}
    except OperationalError:
        return None


def max_id(session: Session, table: str) -> int:
    """The largest id in ``table`` now (0 when empty)."""
    return int(session.scalar(select(func.coalesce(func.max(MODELS[table].id), 0))) or 0)


def fetch(
    session: Session,
    table: str,
    names: Sequence[str],
    *,
    after: int,
    upto: int | None = None,
    limit: int,
    system: str | None = None,
    before: int | None = None,
    newest_first: bool = False,
) -> Rows:
    """Rows of ``table`` with ``after < id <= upto`` (and ``id < before``), by id, as columns."""
    model = MODELS[table]
    statement = select(*(_column(table, name) for name in names)).where(model.id > after)
    if upto is not None:
        statement = statement.where(model.id <= upto)
    if before is not None:
        statement = statement.where(model.id < before)
    if system is not None:
        statement = statement.where(model.system == system)
    order = model.id.desc() if newest_first else model.id
    # Core, not the ORM: columns only, and ORM row loading would cost more than the query.
    rows = list(session.connection().execute(statement.order_by(order).limit(limit)).all())
    if newest_first:
        rows.reverse()
    return Rows.of(names, rows)


def fetch_window(
    session: Session,
    table: str,
    names: Sequence[str],
    *,
    system: str,
    upto: int,
    since: datetime,
    until: datetime | None,
    limit: int,
) -> Rows:
    """Rows of one system with ``id <= upto`` whose event time is in [since, until), by id."""
    model = MODELS[table]
    statement = select(*(_column(table, name) for name in names)).where(
        model.system == system, model.id <= upto, model.at >= since
    )
    if until is not None:
        statement = statement.where(model.at < until)
    rows = session.connection().execute(statement.order_by(model.id).limit(limit)).all()
    return Rows.of(names, rows)


def fetch_feedback(session: Session, **kwargs: Any) -> Rows:
    """Feedback rows, as `fetch` reads them."""
    return fetch(session, FEEDBACK, FEEDBACK_COLUMNS, **kwargs)
