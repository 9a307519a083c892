"""Fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
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
    name = f"bw_test_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        # FILE_COPY: PostgreSQL 15's default (WAL_LOG) copies a small template through the
        # WAL; copying the files is ~1.5-4x faster per test (measured: 14 ms against 21-60 ms).
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    yield template_url.format(db=name)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
