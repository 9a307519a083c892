"""Which process may run a task now: the only one on SQLite, the lock holder on PostgreSQL.

On PostgreSQL several server replicas share one database, and each background task must
run on exactly one of them (else every replica raises the same alarm, sends the same page).
``AdvisoryLocks`` holds a session-level ``pg_try_advisory_lock(lock_key(name))`` on a
connection of its own per task, outside the SQLAlchemy pool:

- PostgreSQL releases a session lock when its connection ends, so a replica that is killed
  or cut off hands its tasks over without any cleanup or lease to expire;
- one connection per task (rather than one for all) keeps each connection used by exactly
  one thread (a psycopg connection is not meant to be shared by threads that run queries
  at once), lets a liveness check never wait behind another task's, and lets replicas
  lead different tasks. The price is one idle connection per task per replica.

Before each tick the holder checks its lock connection still answers (``SELECT 1`` with a
short statement timeout; TCP keepalives catch a silent network cut): a session lock lives
exactly as long as its session, so an answering connection still holds it. A connection
that fails means leadership is lost: the task stops ticking until it wins the lock again.

On SQLite (one database file, one server) the process is always the leader. Several
processes on one file (``serve --workers N``) elect their primary with a file lock
(``cli/serve.py``); several machines need PostgreSQL (docs/scaling.md).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

# Seconds: a lock connection that does not answer within this is treated as lost.
CHECK_TIMEOUT_S = 5
# libpq TCP keepalives: a peer that vanished without closing (a cut cable, a frozen VM) is
# noticed within about idle + interval * count seconds instead of the kernel's two hours.
KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


def lock_key(name: str) -> int:
    """The advisory lock key of task ``name``: stable across processes, releases, machines.

    A signed 64-bit integer (PostgreSQL's bigint) from SHA-256, so it never depends on
    Python's per-process string hashing. Advisory locks are per database, so two Blastwall
    databases on one PostgreSQL server never contend.
    """
    digest = hashlib.sha256(f"blastwall.tasks:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership(Protocol):
    """Decides, before each tick, whether this process may run a task."""

    @property
    def kind(self) -> str:
        """How leadership is decided, for status output."""
        ...

    def hold(self, name: str) -> bool:
        """True if this process leads ``name`` now: keeps a held lock, or tries to take it."""
        ...

    def release(self, name: str) -> None:
        """Give up ``name`` (called by the task's own thread when it stops)."""
        ...


class SingleProcess:
    """SQLite: the one server process leads every task."""

    kind = "single process (SQLite)"

    def hold(self, name: str) -> bool:
        return True

    def release(self, name: str) -> None:
        return None


class AdvisoryLocks:
    """PostgreSQL: a session advisory lock per task, on a dedicated connection per task.

    ``hold`` and ``release`` for one task are called from that task's thread only; the
    dictionary of connections is shared and guarded.
    """

    kind = "PostgreSQL advisory lock"

    def __init__(self, url: URL) -> None:
        # libpq takes the SQLAlchemy URL without the '+psycopg' driver suffix.
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connections: dict[str, Any] = {}
        self._held: set[str] = set()
        self._guard = threading.Lock()

    def hold(self, name: str) -> bool:
        import psycopg  # noqa: PLC0415  (the postgres extra; SQLite users never get here)

        connection = self._connection(name)
        if connection is None:
            return False
        try:
            if name in self._held:
                connection.execute("SELECT 1")
                return True
            row = connection.execute(
                "SELECT pg_try_advisory_lock(%s)", (lock_key(name),)
            ).fetchone()
        except psycopg.Error as exc:
            was_held = name in self._held
            self._drop(name)
            if was_held:
                log.warning(
                    "background task %s: its leadership connection failed (%s); standing by "
                    "until this replica wins the lock again",
                    name,
                    exc,
                )
            return False
        if row is not None and row[0] is True:
            with self._guard:
                self._held.add(name)
            return True
        return False

    def release(self, name: str) -> None:
        """Unlock, then close the task's connection.

        The explicit unlock hands the task over before this returns; closing alone would
        too, but only once the server has noticed the connection ended.
        """
        import psycopg  # noqa: PLC0415

        with self._guard:
            connection = self._connections.get(name) if name in self._held else None
        if connection is not None:
            try:
                connection.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))
            except psycopg.Error:
                log.debug("unlocking %s failed; closing its connection ends the lock", name)
        self._drop(name)

    def _connection(self, name: str) -> Any | None:
        import psycopg  # noqa: PLC0415

        with self._guard:
            connection = self._connections.get(name)
        if connection is not None and not connection.closed:
            return connection
        try:
            connection = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=CHECK_TIMEOUT_S,
                options=f"-c statement_timeout={CHECK_TIMEOUT_S * 1000}",
                application_name=f"blastwall-task:{name}"[:63],
                **KEEPALIVES,
            )
        except psycopg.Error as exc:
            log.warning("background task %s: cannot reach PostgreSQL for leadership: %s", name, exc)
            return None
        with self._guard:
            self._connections[name] = connection
        return connection

    def _drop(self, name: str) -> None:
        with self._guard:
            connection = self._connections.pop(name, None)
            self._held.discard(name)
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a broken connection may fail to close; it is gone either way
                log.debug("closing the lock connection of %s failed", name, exc_info=True)


def for_engine(engine: Engine) -> Leadership:
    """The leadership that fits the store: advisory locks on PostgreSQL, else one process."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLocks(engine.url)
    return SingleProcess()
