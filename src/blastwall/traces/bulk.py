"""Bulk ``INSERT ... ON CONFLICT (at, event_id) DO NOTHING`` of a batch's rows.

On SQLite the statement is compiled once per table and column set, repeated once per row
as a multi-row INSERT (up to ``ROWS_PER_STATEMENT`` rows each), and run through the
driver's cursor; each value is stored exactly as SQLAlchemy's bind processor for its
column would store it (tests/traces/test_bulk.py pins this), without SQLAlchemy's per-row
bookkeeping, which cost as much as validating the batch. The statements can be prepared
before the transaction (``sqlite_statements``), so the write lock is held only to run
them. A JSON column may be given as ``RawJSON`` text already serialized by pydantic.
PostgreSQL goes through SQLAlchemy's multi-row VALUES path.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from blastwall.db.base import UTCDateTime

KEY = ["at", "event_id"]
Converter = Callable[[Any], Any]


class RawJSON(str):
    """JSON text for a JSON column, stored as-is instead of being serialized again."""

    __slots__ = ()


ROWS_PER_STATEMENT = 500
"""Rows per multi-row INSERT on SQLite (an SDK batch), fewer if the driver allows fewer values."""


@dataclass(frozen=True)
class _Plan:
    head: str  # INSERT INTO t (columns) VALUES
    row: str  # (?, ?, ...)
    tail: str  # ON CONFLICT ... DO NOTHING
    width: int  # values per row
    pick: Callable[[Sequence[Any]], Sequence[Any]] | None  # None: rows are in SQL order
    processors: tuple[tuple[int, Converter], ...]  # (position in SQL order, converter)

    def sql(self, count: int) -> str:
        return f"{self.head} {', '.join([self.row] * count)} {self.tail}"


@dataclass(frozen=True)
class Statement:
    """One multi-row INSERT and its values, ready for the SQLite driver."""

    sql: str
    params: list[Any]


_SQLITE = sqlite.dialect()
_plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}


def insert_ignoring_duplicates(
    session: Session, table: Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order), skipping those whose (at, event_id) exists."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        run(connection.connection, sqlite_statements(table, columns, rows))
        return
    values = [{k: _parsed(v) for k, v in zip(columns, row, strict=True)} for row in rows]
    statement = pg_insert(table).on_conflict_do_nothing(index_elements=KEY)
    connection.execute(statement, values)


def sqlite_statements(
    table: Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> list[Statement]:
    """The multi-row INSERTs that store ``rows`` on SQLite; needs no connection.

    Multi-row INSERTs, not executemany: the driver releases the GIL around each
    statement, and a thread that must take it back once per row waits behind every other
    request's validation (pydantic holds the GIL for a whole batch), which made the
    insert of a batch three times slower.
    """
    plan = _plan(table, columns)
    converters = [(position, _last_value_cached(convert)) for position, convert in plan.processors]
    params: list[Any] = []
    for row in rows:
        values = list(row if plan.pick is None else plan.pick(row))
        for position, convert in converters:
            values[position] = convert(values[position])
        params.extend(values)
    width = plan.width
    per_statement = min(ROWS_PER_STATEMENT, _max_variables() // width)
    statements = []
    for start in range(0, len(rows), per_statement):
        count = min(per_statement, len(rows) - start)
        chunk = params[start * width : (start + count) * width]
        statements.append(Statement(plan.sql(count), chunk))
    return statements


def run(dbapi_connection: Any, statements: Sequence[Statement]) -> None:
    """Execute ``statements`` through the driver's own cursor, in the open transaction."""
    cursor = dbapi_connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement.sql, statement.params)
    finally:
        cursor.close()


@cache
def _max_variables() -> int:
    """How many ``?`` one statement may hold in this build of SQLite (32,766 since 3.32)."""
    probe = sqlite3.connect(":memory:")
    try:
        limit: int = probe.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    finally:
        probe.close()
    return limit


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, RawJSON) else value


def _last_value_cached(convert: Converter) -> Converter:
    """``convert`` that reuses its last result for the same object (received_at, one a batch)."""
    last: list[Any] = [object(), None]

    def cached(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return cached


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What UTCDateTime then SQLite's DATETIME store: naive UTC, always with microseconds."""
    if value is None:
        return None
    text: str = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return text


def _fast(column_type: TypeEngine[Any], process: Callable[[Any], Any]) -> Converter | None:
    """A cheaper equivalent of a column's bind processor for the values ingest produces."""
    if isinstance(column_type, UTCDateTime):
        return _sqlite_datetime
    if isinstance(column_type, Boolean | Float):
        return None  # sqlite3 stores Python bools and floats exactly as these processors would
    if isinstance(column_type, JSON):
        return lambda value: value if isinstance(value, RawJSON) else process(value)
    return process


def _plan(table: Table, columns: tuple[str, ...]) -> _Plan:
    cache_key = (table.name, columns)
    plan = _plans.get(cache_key)
    if plan is None:
        statement = (
            sqlite_insert(table)
            .values(dict.fromkeys(columns))
            .on_conflict_do_nothing(index_elements=KEY)
        )
        compiled = statement.compile(dialect=_SQLITE)
        order = tuple(compiled.positiontup or ())
        if set(order) != set(columns):
            # Column defaults would be compiled in as parameters the rows do not carry.
            missing = sorted(set(order) - set(columns))
            raise ValueError(f"rows for {table.name} must give every column; missing {missing}")
        processors = []
        for position, name in enumerate(order):
            column_type = table.c[name].type
            process = column_type.dialect_impl(_SQLITE).bind_processor(_SQLITE)
            fast = None if process is None else _fast(column_type, process)
            if fast is not None:
                processors.append((position, fast))
        pick = None if order == columns else itemgetter(*(columns.index(n) for n in order))
        # Compiled as INSERT INTO t (...) VALUES (?, ...) ON CONFLICT (...) DO NOTHING; the
        # middle part is repeated once per row.
        head, _, rest = str(compiled).partition(" VALUES ")
        row, _, tail = rest.partition(") ")
        plan = _Plan(f"{head} VALUES", f"{row})", tail, len(order), pick, tuple(processors))
        _plans[cache_key] = plan
    return plan
