"""`serve --workers N`: uvicorn starts N processes; only one runs the background threads."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from blastwall.cli import serve
from blastwall.config import Settings
from tests.cli.conftest import invoke


def test_workers_run_the_worker_factory_with_the_database_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def run(app: str, **kwargs: Any) -> None:
        lock = os.environ[serve.PRIMARY_LOCK]
        seen.update(app=app, url=os.environ["BLASTWALL_DATABASE_URL"], lock=lock, **kwargs)

    monkeypatch.setattr(uvicorn, "run", run)
    url = f"sqlite:///{tmp_path}/serve.db"
    result = invoke("serve", "--db", url, "--port", "7400", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert (seen["app"], seen["factory"], seen["workers"]) == (
        "blastwall.cli.serve:worker_app",
        True,
        2,
    )
    assert (seen["url"], seen["host"], seen["port"]) == (url, "127.0.0.1", 7400)
    assert (tmp_path / "serve.db").exists()  # migrated once, before the workers start
    assert serve.PRIMARY_LOCK not in os.environ


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[Settings]]:
    """Settings each worker_app() call built its app with (no app, no gc.freeze here)."""
    made: list[Settings] = []

    def create_app(settings: Settings) -> FastAPI:
        made.append(settings)
        return FastAPI()

    monkeypatch.setattr("blastwall.server.app.create_app", create_app)
    monkeypatch.setattr(serve, "_tune_garbage_collector", lambda: None)
    monkeypatch.setenv(serve.PRIMARY_LOCK, str(tmp_path / "primary.lock"))
    monkeypatch.setenv("BLASTWALL_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    yield made
    if serve._primary_lock is not None:
        os.close(serve._primary_lock)
        serve._primary_lock = None


def test_only_the_first_worker_to_take_the_lock_runs_background_threads(
    built: list[Settings],
) -> None:
    serve.worker_app()
    serve.worker_app()  # another worker: the lock is taken
    flags = [tuple(getattr(s, name) for name in serve.BACKGROUND) for s in built]
    assert flags == [(True, True, True), (False, False, False)]
    assert built[1].resolved_database_url() == built[0].resolved_database_url()
