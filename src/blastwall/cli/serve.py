"""`blastwall serve`: run the API server (uvicorn) on the configured database."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from blastwall.cli import local
from blastwall.cli.errors import CliError

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer()

PRIMARY_LOCK = "BLASTWALL_SERVE_PRIMARY_LOCK"
"""Environment variable naming the lock file the worker processes elect their primary with."""

BACKGROUND = ("engine_enabled", "canary_scheduler_enabled")
"""Settings that start background threads; with several workers only the primary runs them."""

_primary_lock: int | None = None


@app.command(rich_help_panel="Server")
def serve(
    *,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL; overrides BLASTWALL_DATABASE_URL (default: local SQLite)."
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to bind (default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default 7300).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes (default 1). Two use both cores of a small machine for "
            "ingest; the detection engine and canary scheduler run in one of them.",
        ),
    ] = 1,
) -> None:
    """Run the Blastwall API server, migrating the database first."""
    import uvicorn  # noqa: PLC0415  (server extras; see local.py)

    from blastwall.server.app import create_app  # noqa: PLC0415

    config = local.settings(database_url=db, host=host, port=port)
    with local.migrated_engine(config) as engine:
        if workers == 1:
            served = create_app(config, engine)
            _freeze_startup_objects()
            uvicorn.run(served, host=config.host, port=config.port)
            return
    _require_posix_locks()
    # Each worker builds its app from the environment (uvicorn starts them fresh), so the
    # command-line database goes there; the first worker to lock the file becomes primary.
    with tempfile.TemporaryDirectory(prefix="blastwall-serve-") as tmp:
        environment = {
            "BLASTWALL_DATABASE_URL": config.resolved_database_url(),
            PRIMARY_LOCK: str(Path(tmp) / "primary.lock"),
        }
        with _environment(environment):
            uvicorn.run(
                f"{__name__}:worker_app",
                factory=True,
                host=config.host,
                port=config.port,
                workers=workers,
            )


def worker_app() -> FastAPI:
    """The app of one `serve --workers N` process; only the primary runs background threads."""
    from blastwall.config import Settings  # noqa: PLC0415
    from blastwall.server.app import create_app  # noqa: PLC0415

    config = Settings()
    lock_file = os.environ.get(PRIMARY_LOCK)
    if lock_file and not _become_primary(lock_file):
        config = config.model_copy(update=dict.fromkeys(BACKGROUND, False))
    served = create_app(config)
    _freeze_startup_objects()
    return served


def _become_primary(lock_file: str) -> bool:
    """Hold an exclusive lock on ``lock_file`` for the life of this process, if free.

    The lock goes with the process: when uvicorn replaces a dead primary, the new worker
    takes it over.
    """
    import fcntl  # noqa: PLC0415  (POSIX; checked by _require_posix_locks)

    global _primary_lock  # noqa: PLW0603  (held, never closed: the lock lives with the process)
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return False
    _primary_lock = descriptor
    return True


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _require_posix_locks() -> None:
    try:
        import fcntl  # noqa: F401, PLC0415
    except ImportError:
        raise CliError(
            "--workers above 1 needs POSIX file locks (Linux, macOS); run one process here"
        ) from None


def _freeze_startup_objects() -> None:
    """Take what start-up built (modules, the app, schemas) out of the garbage collector's scans.

    Ingest allocates tens of thousands of short-lived objects per batch, so full
    collections run every few batches; each walked every object of the process, which cost
    about a sixth of the server's CPU in ``bench/ingest.py``.
    """
    gc.collect()
    gc.freeze()
