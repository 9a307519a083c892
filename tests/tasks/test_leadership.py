"""Leadership on a real PostgreSQL: one holder per task, handed over when its session ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from blastwall.db.engine import make_engine
from blastwall.tasks import AdvisoryLocks, Leadership, SingleProcess, for_engine, lock_key

ON_POSTGRES = pytest.mark.parametrize("dialect", ["postgres"])


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[Leadership, Leadership]]:
    """Two replicas' leaderships, each built from its own engine, on one database."""
    engines: list[Engine] = [make_engine(database_url), make_engine(database_url)]
    first, second = (for_engine(engine) for engine in engines)
    yield first, second
    for leadership, engine in zip((first, second), engines, strict=True):
        for name in ("engine", "canaries"):
            leadership.release(name)
        engine.dispose()


def _holder_pid(dsn: str, name: str) -> int:
    """The backend holding task ``name``'s lock (a bigint key is classid:objid in pg_locks)."""
    key = lock_key(name) & 0xFFFF_FFFF_FFFF_FFFF
    with psycopg.connect(dsn) as connection:
        row = connection.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
            (key >> 32, key & 0xFFFF_FFFF),
        ).fetchone()
    assert row is not None, f"nobody holds {name}"
    pid: int = row[0]
    return pid


@ON_POSTGRES
def test_only_one_replica_leads_a_task_and_tasks_are_independent(
    replicas: tuple[Leadership, Leadership],
) -> None:
    first, second = replicas
    assert isinstance(first, AdvisoryLocks)
    assert [first.hold("engine"), second.hold("engine")] == [True, False]
    assert [first.hold("engine"), second.hold("engine")] == [True, False]  # kept, not re-won
    assert second.hold("canaries") is True  # another task's lock is free
    assert first.hold("canaries") is False


@ON_POSTGRES
def test_releasing_hands_the_task_over(replicas: tuple[Leadership, Leadership]) -> None:
    first, second = replicas
    assert [first.hold("engine"), second.hold("engine")] == [True, False]
    first.release("engine")
    assert [second.hold("engine"), first.hold("engine")] == [True, False]


@ON_POSTGRES
def test_a_dropped_lock_connection_loses_leadership_and_the_standby_takes_over(
    replicas: tuple[Leadership, Leadership], database_url: str
) -> None:
    first, second = replicas
    assert [first.hold("engine"), second.hold("engine")] == [True, False]
    dsn = database_url.replace("postgresql+psycopg", "postgresql")
    holder = _holder_pid(dsn, "engine")
    with psycopg.connect(dsn, autocommit=True) as admin:
        # As when the holder's process is killed or its network cut: the session ends.
        admin.execute("SELECT pg_terminate_backend(%s)", (holder,))
        # pg_terminate_backend only signals: wait until the session has really ended.
        deadline = time.monotonic() + 30
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (holder,)).fetchone():
            assert time.monotonic() < deadline, "the terminated session never ended"
            time.sleep(0.05)
    assert first.hold("engine") is False  # its check before the next tick finds it gone
    assert second.hold("engine") is True
    assert _holder_pid(dsn, "engine") != holder
    assert first.hold("engine") is False  # reconnected, but the lock is taken


def test_sqlite_always_leads(tmp_path: Path) -> None:
    assert isinstance(for_engine(make_engine(f"sqlite:///{tmp_path / 'x.db'}")), SingleProcess)
    assert SingleProcess().hold("engine") is True


def test_the_lock_key_is_a_stable_bigint_per_name() -> None:
    # Pinned: a replica running another release must derive the same key for the same task.
    assert lock_key("detection-engine") == -1104590272093658994
    assert lock_key("canary-scheduler") == 1847463124647946691
