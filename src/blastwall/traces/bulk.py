"""Bulk ``INSERT ... ON CONFLICT (at, event_id) DO NOTHING``: one executemany per table per batch.

On SQLite the statement is compiled once per table and column set and run through the
driver's ``executemany``; each value is stored exactly as SQLAlchemy's bind processor for
its column would store it (tests/traces/test_bulk.py pins this), without SQLAlchemy's
per-row bookkeeping, which cost as much as validating the batch. A JSON column may be
given as ``RawJSON`` text already serialized by pydantic. PostgreSQL goes through
SQLAlchemy's multi-row VALUES path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from blastwall.db.base import UTCDateTime

KEY = ["at", "event_id"]
Converter = Callable[[Any], Any]


class RawJSON(str):
    """JSON text for a JSON column, stored as-is instead of being serialized again."""

    __slots__ = ()


@dataclass(frozen=True)
class _Plan:
    sql: str
    columns: tuple[str, ...]
    processors: tuple[Converter | None, ...]


_plans: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (all with the same keys); rows whose (at, event_id) exists are skipped."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        values = [{k: _parsed(v) for k, v in row.items()} for row in rows]
        statement = pg_insert(table).on_conflict_do_nothing(index_elements=KEY)
        connection.execute(statement, values)
        return
    plan = _plan(table, dialect, tuple(rows[0]))
    pick = itemgetter(*plan.columns)
    converters = [
        (position, _last_value_cached(convert))
        for position, convert in enumerate(plan.processors)
        if convert is not None
    ]
    params = []
    for row in rows:
        values = list(pick(row))
        for position, convert in converters:
            values[position] = convert(values[position])
        params.append(tuple(values))
    connection.exec_driver_sql(plan.sql, params)


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


def _plan(table: Table, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    cache_key = (dialect.name, table.name, keys)
    plan = _plans.get(cache_key)
    if plan is None:
        statement = (
            sqlite_insert(table)
            .values(dict.fromkeys(keys))
            .on_conflict_do_nothing(index_elements=KEY)
        )
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        if set(order) != set(keys):
            # Column defaults would be compiled in as parameters the rows do not carry.
            missing = sorted(set(order) - set(keys))
            raise ValueError(f"rows for {table.name} must give every column; missing {missing}")
        processors = []
        for name in order:
            column_type = table.c[name].type
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            processors.append(None if process is None else _fast(column_type, process))
        plan = _Plan(str(compiled), order, tuple(processors))
        _plans[cache_key] = plan
    return plan
