"""Bulk ``INSERT ... ON CONFLICT (event_id) DO NOTHING``: one executemany per table per batch.

On SQLite the statement is compiled once per table and column set and run through the
driver's ``executemany``, each value converted by its column type's own bind processor
(so the stored bytes are what SQLAlchemy would store) but without SQLAlchemy's per-row
bookkeeping, which cost as much as validating the batch. A JSON column may be given as
``RawJSON`` text already serialized by pydantic. PostgreSQL goes through SQLAlchemy's
multi-row VALUES path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

KEY = "event_id"


class RawJSON(str):
    """JSON text for a JSON column, stored as-is instead of being serialized again."""

    __slots__ = ()


@dataclass(frozen=True)
class _Plan:
    sql: str
    columns: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]


_plans: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` (all with the same keys); rows whose event_id exists are skipped."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        values = [{k: _parsed(v) for k, v in row.items()} for row in rows]
        statement = pg_insert(table).on_conflict_do_nothing(index_elements=[KEY])
        connection.execute(statement, values)
        return
    plan = _plan(table, dialect, tuple(rows[0]))
    pick = itemgetter(*plan.columns)
    converters = [
        (position, _converter(process))
        for position, process in enumerate(plan.processors)
        if process is not None
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


def _converter(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply ``process``, reusing the last result for a repeated value (received_at)."""
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if isinstance(value, RawJSON):
            return value
        if value is last[0]:
            return last[1]
        last[0], last[1] = value, process(value)
        return last[1]

    return convert


def _plan(table: Table, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    cache_key = (dialect.name, table.name, keys)
    plan = _plans.get(cache_key)
    if plan is None:
        statement = (
            sqlite_insert(table)
            .values(dict.fromkeys(keys))
            .on_conflict_do_nothing(index_elements=[KEY])
        )
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        if set(order) != set(keys):
            # Column defaults would be compiled in as parameters the rows do not carry.
            missing = sorted(set(order) - set(keys))
            raise ValueError(f"rows for {table.name} must give every column; missing {missing}")
        processors = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
        )
        plan = _Plan(str(compiled), order, processors)
        _plans[cache_key] = plan
    return plan
