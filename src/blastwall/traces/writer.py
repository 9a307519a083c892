"""The ingest writer: each server process stores event batches through one connection of its own.

On SQLite a connection empties its page cache whenever another connection wrote since its
last transaction, so batches written through the shared pool (a different connection each
time) re-read the index pages they update, every batch. One connection that only ingest
writes through keeps them cached, and batches of one process queue on a lock here instead
of polling SQLite's busy handler, which sleeps up to 100 ms between tries. Decoding,
validating and building rows happen before the lock, so the lock is held only for the
inserts and the commit. PostgreSQL writes through the shared pool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from blastwall.db.base import utcnow
from blastwall.db.engine import make_engine, read_only
from blastwall.traces.bulk import run, sqlite_statements
from blastwall.traces.events import Event
from blastwall.traces.ingest import (
    IngestResult,
    Rejection,
    build,
    decode_body,
    insert,
    parse_batch,
    registered,
)

CACHE_KIB = 16 * 1024
"""Page cache of the ingest connection (SQLite's default is 2 MiB): the event tables' hot
index pages. Measured against 2 MiB: server CPU per event -7% (kernel -22%); 64 MiB cost
more CPU than it saved."""


class Writer:
    """Stores validated batches and commits them, one batch at a time per process on SQLite."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._own: Engine | None = None
        self._lock = threading.Lock()
        self._across: _FileLock | None = None
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
            self._reader = read_only(engine)
            self._own = make_engine(
                engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0
            )
            event.listen(self._own, "connect", _ingest_pragmas)
            self._across = _FileLock.beside(str(database))

    def ingest(self, raw: bytes, *, content_encoding: str | None = None) -> IngestResult:
        """Decode and validate a posted batch, then store and commit its good events.

        Committed when this returns, so the caller may acknowledge the batch.
        """
        good, rejected = parse_batch(decode_body(raw, content_encoding))
        stored, unknown = self.write(good, received_at=utcnow())
        return IngestResult.of(stored, rejected + unknown)

    def write(
        self, events: Sequence[tuple[int, Event]], *, received_at: datetime
    ) -> tuple[int, list[Rejection]]:
        """Store ``events`` and commit; returns what ``ingest.store`` returns."""
        built = build(events, received_at=received_at)
        if self._own is None:
            with self._factory() as session, session.begin():
                return insert(session, built)
        # Everything that needs no write lock happens first: the system lookup (a read,
        # which never waits for the writer) and the statements with their values.
        with self._reader.connect() as connection:
            rejected = built.keep(registered(connection, built.systems))
        statements = [
            statement
            for shape, shape_rows in built.by_shape.items()
            for statement in sqlite_statements(shape.table, shape.columns, shape_rows)
        ]
        if statements:
            across = self._across or nullcontext()
            with self._lock, across, self._own.begin() as connection:
                run(connection.connection, statements)
        return built.count, rejected

    def close(self) -> None:
        """Close the writer's own connection and lock file (SQLite)."""
        if self._own is not None:
            self._own.dispose()
        if self._across is not None:
            self._across.close()


class _FileLock:
    """An exclusive lock shared by the server processes (``serve --workers``) on one file.

    SQLite serializes their writers too, but one that finds the database locked sleeps
    in its busy handler (1, 2, 5, ... up to 100 ms) before trying again; a blocked
    ``flock`` wakes as soon as the other process lets go.
    """

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor

    @classmethod
    def beside(cls, database: str) -> _FileLock | None:
        """The lock for ``database`` (a file next to it); None where flock is missing."""
        try:
            import fcntl  # noqa: F401, PLC0415  (POSIX only)
        except ImportError:
            return None
        return cls(os.open(f"{database}-ingest.lock", os.O_RDWR | os.O_CREAT, 0o600))

    def __enter__(self) -> None:
        import fcntl  # noqa: PLC0415

        fcntl.flock(self._descriptor, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        import fcntl  # noqa: PLC0415

        fcntl.flock(self._descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._descriptor)


def _ingest_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()
