"""Named monotonic counters, bumped atomically inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from blastwall.db.base import Base


class Counter(Base):
    """Named monotonic counters (lever revision, audit sequence), bumped under a row lock."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(session: Session, name: str) -> int:
    """Increment counter ``name`` and return its new value; never reuses a value.

    The upsert takes the row lock (PostgreSQL) or runs under the write lock that
    BEGIN IMMEDIATE took (SQLite), so concurrent transactions serialize here until commit.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    value: int = session.execute(stmt).scalar_one()
    return value


def current_value(session: Session, name: str) -> int:
    counter = session.get(Counter, name)
    return counter.value if counter else 0
