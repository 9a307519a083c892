"""Run Alembic migrations programmatically: the server and tests upgrade to head at start."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@cache
def head() -> str | None:
    """The newest revision this package ships (its files are read once per process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is already the newest this package ships."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call on every start.

    A database already at head is left alone after one read of its version: Alembic would
    otherwise load and compile every migration file again on each start (~20 ms each time
    the app is built).
    """
    if revision == "head" and at_head(engine):
        return
    command.upgrade(alembic_config(engine), revision)
