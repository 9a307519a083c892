"""Engines for the store: SQLite (WAL, durable) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from blastwall.db import files

READ_ONLY = "blastwall_read_only"


def read_only(engine: Engine) -> Engine:
    """The same engine, for transactions that only read (SQLite then skips the write lock)."""
    return engine.execution_options(**{READ_ONLY: True})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each dialect needs to be safe under concurrency."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        # Before the first connection: it holds token hashes and user data (db/files.py).
        files.private_dir(Path(database).parent)
        files.private_database(Path(database))
    # Many API threads read at once in WAL mode; a small pool would queue them behind writers.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 60)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's deferred guesswork.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the single writer, and commits are appends.
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: every commit is fsynced; audit logs and incidents must survive power loss.
        cursor.execute("PRAGMA synchronous=FULL")
        # Checkpoint every 10,000 pages (~40 MB) of WAL instead of SQLite's 1,000: event
        # ingest rewrites the same index pages in many commits, and a rarer checkpoint
        # copies each to the database once instead of many times. bench/ingest.py: server
        # CPU per event -7%, events/s +6%. Every connection uses the same threshold, so a
        # rare writer (a lever change) does not run the checkpoint ingest keeps putting off.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        # Enforce the foreign keys the schema declares (off by default in SQLite).
        cursor.execute("PRAGMA foreign_keys=ON")
        # Wait for a competing writer instead of failing at once with 'database is locked'.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # Readers never take the write lock: in WAL mode they see a consistent snapshot
            # while one writer works, so lever polls and token checks never queue behind it.
            connection.exec_driver_sql("BEGIN")
            return
        # Writers take the write lock at BEGIN: read-then-write transactions (revision
        # counters, the audit chain head) then serialize instead of failing on lock upgrade.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
