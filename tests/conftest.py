"""Fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.config import Settings
from blastwall.db import migrate
from blastwall.db.engine import make_engine
from blastwall.db.migrate import upgrade
from blastwall.db.session import make_session_factory
from blastwall.server.app import create_app
from tests import pg

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[tuple[str, str]]:
    """(url template with {db}, dsn of the maintenance db) of the test run's PostgreSQL."""
    explicit = os.environ.get("BLASTWALL_TEST_POSTGRES_URL")
    if explicit:
        base = explicit.rsplit("/", 1)[0]
        yield base + "/{db}", explicit.replace("postgresql+psycopg", "postgresql")
        return
    server = pg.start()
    try:
        yield server.url("{db}"), server.url("postgres").replace("postgresql+psycopg", "postgresql")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: tuple[str, str]) -> str:
    """A database migrated to head once; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    template, admin_dsn = postgres_admin_url
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bw_template")
        conn.execute("CREATE DATABASE bw_template")
    engine = make_engine(template.format(db="bw_template"))
    upgrade(engine)
    engine.dispose()
    return "bw_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    assert not path.with_name("template.db-wal").exists()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def dialect(request: pytest.FixtureRequest) -> str:
    """The database a store test runs on: each such test runs once per dialect.

    A test whose subject never reaches the store (a body the schema refuses with a 422)
    runs on one database only: mark it ``@ONE_DATABASE``. A test of one dialect's own
    behaviour uses ``@pytest.mark.parametrize("dialect", ["postgres"])``.
    """
    name: str = request.param
    return name


# For tests whose subject never reaches the store: twice the run time would test nothing more.
ONE_DATABASE = pytest.mark.parametrize("dialect", ["sqlite"])


@pytest.fixture(scope="session")
def sqlite_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where each test's SQLite database lives: in RAM (/dev/shm) where the machine has it.

    The engine fsyncs every commit (synchronous=FULL), ~1.5 ms each on this disk and
    many per test; durability is not under test here (PostgreSQL runs with fsync=off too).
    """
    shm = Path("/dev/shm")  # noqa: S108  (a fresh 0700 folder from mkdtemp below)
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("sqlite")
        return
    root = Path(tempfile.mkdtemp(prefix="blastwall-tests-", dir=shm))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(
    dialect: str, request: pytest.FixtureRequest, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database of the test's dialect."""
    if dialect == "sqlite":
        # A private folder (0700, as the engine wants) per test, removed after it.
        folder = Path(tempfile.mkdtemp(dir=request.getfixturevalue("sqlite_root")))
        path = folder / "blastwall.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        shutil.rmtree(folder, ignore_errors=True)
        return
    template_url, admin_dsn = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template")
    name = _worker_databases.pop() if _worker_databases else _create(admin_dsn, template)
    url = template_url.format(db=name)
    yield url
    if _emptied(url.replace("postgresql+psycopg", "postgresql")):
        _worker_databases.append(name)
    else:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# A PostgreSQL database a test used, emptied and handed to the worker's next test: creating
# one from the template per test cost ~0.2 s (copying ~700 files), emptying it ~10 ms.
_worker_databases: list[str] = []

# Once the test's leftover connections are gone (their locks with them): one statement
# deletes every row (foreign keys off, so in any order; only tables that have rows) and
# restarts every sequence, so the next test sees the template's empty tables and ids from
# 1. alembic_version keeps its row.
_OTHERS = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
_EMPTY = """
DO $$
DECLARE r record; found boolean;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT format('%I', tablename) AS t FROM pg_tables
            WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || r.t || ')' INTO found;
    IF found THEN EXECUTE 'DELETE FROM ' || r.t; END IF;
  END LOOP;
  FOR r IN SELECT format('%I', sequencename) AS q FROM pg_sequences
            WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
    PERFORM setval(r.q, 1, false);
  END LOOP;
END $$;
"""


def _create(admin_dsn: str, template: str) -> str:
    name = f"bw_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        # FILE_COPY: PostgreSQL 15's default (WAL_LOG) copies a small template through the
        # WAL; copying the files is ~1.5-4x faster per test (measured: 14 ms against 21-60 ms).
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    if not _tables:
        with psycopg.connect(admin_dsn.rsplit("/", 1)[0] + f"/{name}") as copy:
            _tables.append(copy.execute(_SHAPE).fetchone())
    return name


_SHAPE = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
_tables: list[object] = []  # the template's table count, read from a fresh copy


def _emptied(dsn: str) -> bool:
    """Empty the database for the next test; False if it cannot be (then it is dropped),
    or if the test changed its schema (another table count, another revision)."""
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"SELECT pg_terminate_backend(pid) {_OTHERS}")
            deadline = time.monotonic() + 10
            while conn.execute(f"SELECT count(*) {_OTHERS}").fetchone() != (0,):
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
            conn.execute(_EMPTY)
            shape = (
                conn.execute(_SHAPE).fetchone(),
                conn.execute("SELECT version_num FROM alembic_version").fetchall(),
            )
    except psycopg.Error:
        return False
    return shape == (_tables[0], [(migrate.head(),)])


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work the test commits or inspects; rolled back at the end."""
    with session_factory() as session:
        yield session
        session.rollback()


# Every background task the server can run, off: a test of the API needs none of them, and
# each would tick (and cost a shutdown wait) in every test. Mark a test that needs them
# ``@pytest.mark.background_tasks``.
NO_BACKGROUND_TASKS: dict[str, Any] = {
    "engine_enabled": False,
    "canary_scheduler_enabled": False,
    "notify_dispatch_enabled": False,
    "escalation_enabled": False,
    "regulatory_reminders_enabled": False,
    "drill_timeouts_enabled": False,
    "retention_enabled": False,
    "update_reminders_enabled": False,
}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    wanted = request.node.get_closest_marker("background_tasks")
    quiet: dict[str, Any] = {} if wanted else NO_BACKGROUND_TASKS
    return Settings(data_dir=tmp_path / "data", database_url=database_url, **quiet)


@pytest.fixture
def app_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings, engine)
    with TestClient(app) as client:
        yield client


# Tokens a test arranges are audited like any other (token.create by this actor).
SETUP_ACTOR = Actor(name="test-setup", role=Role.admin)


def make_token(session_factory: sessionmaker[Session], name: str, role: Role) -> str:
    with session_factory() as session, session.begin():
        _, secret = access.create(session, name=name, role=role, actor=SETUP_ACTOR)
    return secret


@pytest.fixture
def admin_token(session_factory: sessionmaker[Session]) -> str:
    return make_token(session_factory, "root", Role.admin)


@pytest.fixture
def client(app_client: TestClient, admin_token: str) -> TestClient:
    """A client authenticated as an admin."""
    app_client.headers["Authorization"] = f"Bearer {admin_token}"
    return app_client
