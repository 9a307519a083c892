"""`blastwall serve`: run the API server (uvicorn) on the configured database."""

from __future__ import annotations

import gc
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from blastwall.cli import local
from blastwall.cli.errors import CliError

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer()

PRIMARY_LOCK = "BLASTWALL_SERVE_PRIMARY_LOCK"
"""Environment variable naming the lock file the worker processes elect their primary with."""

BACKGROUND = ("engine_enabled", "canary_scheduler_enabled", "notify_dispatch_enabled")
"""Settings that start background tasks; with several workers only the primary runs them
(a file lock elects it: on SQLite every process would otherwise lead every task)."""

GRACEFUL_S = 5
"""After a stop signal, seconds requests still running may take before they are cancelled.

Lever streams end at once (server/shutdown.py); this bounds anything else.
"""

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
            _tune_garbage_collector()
            with _sigterm_exits_cleanly():
                uvicorn.run(
                    served,
                    host=config.host,
                    port=config.port,
                    timeout_graceful_shutdown=GRACEFUL_S,
                )
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
                timeout_graceful_shutdown=GRACEFUL_S,
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
    _tune_garbage_collector()
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


@contextmanager
def _sigterm_exits_cleanly() -> Iterator[None]:
    """Exit 0 after a SIGTERM's graceful shutdown, as after Ctrl-C.

    uvicorn handles the signal, shuts down, then raises it again with the handler that was
    installed before it ran; by default that kills the process (status -15), which service
    managers and scripts read as a crash rather than a requested stop.
    """

    def stopped(_sig: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _require_posix_locks() -> None:
    try:
        import fcntl  # noqa: F401, PLC0415
    except ImportError:
        raise CliError(
            "--workers above 1 needs POSIX file locks (Linux, macOS); run one process here"
        ) from None


def _tune_garbage_collector() -> None:
    """Collect less often, and never walk what start-up built (modules, the app, schemas).

    Ingest allocates tens of thousands of objects per batch, nearly all freed when the
    request ends. With the default threshold (700 allocations) the collector scanned each
    batch's objects many times, and full collections walked every object of the process.
    bench/ingest.py: freezing start-up objects took server CPU from 75-78 to 62-65 ms per
    1,000 events; collecting every 50,000 allocations instead of 700 saved another 7%.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
