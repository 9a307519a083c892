"""A real Blastwall server on loopback, and a runner that points the CLI at it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from blastwall.access.enums import Role
from blastwall.cli.main import app as cli_app
from blastwall.config import Settings
from blastwall.server.app import create_app
from tests.conftest import make_token


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    # Bound here and handed to uvicorn, so no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start; see the log above")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def server_url(settings: Settings, engine: Engine) -> Iterator[str]:
    """The URL of a live server on the test's database (SQLite and PostgreSQL)."""
    with running(create_app(settings, engine)) as url:
        yield url


@pytest.fixture
def api(server_url: str, admin_token: str) -> Iterator[httpx.Client]:
    """An admin HTTP client to the live server, for arranging test data."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    # A generous timeout: a loaded test machine is slow, not wrong (no timing is asserted).
    with httpx.Client(base_url=server_url + "/api/v1", headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def responder_token(session_factory: sessionmaker[Session]) -> str:
    return make_token(session_factory, "rita", Role.responder)


Invoke = Callable[..., Result]


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Run the CLI in-process with a clean, wide, colourless environment."""
    base: dict[str, str | None] = {
        "BLASTWALL_SERVER": None,
        "BLASTWALL_TOKEN": None,
        "BLASTWALL_DATABASE_URL": None,
        "COLUMNS": "200",
        "NO_COLOR": "1",
        "FORCE_COLOR": None,
    }
    return CliRunner().invoke(cli_app, list(args), env=base | (env or {}))


@pytest.fixture
def cli(server_url: str, admin_token: str) -> Invoke:
    """Run the CLI against the live server as admin; ``token=`` runs it as someone else."""

    def run(*args: str, token: str | None = None) -> Result:
        env = {"BLASTWALL_SERVER": server_url, "BLASTWALL_TOKEN": token or admin_token}
        return invoke(*args, env=env)

    return run


def lines(text: str) -> list[str]:
    """Output lines without trailing padding (Rich pads table cells)."""
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def system_spec(name: str = "support-bot", **overrides: Any) -> dict[str, Any]:
    """A system as POST /systems takes it: two environments, one irreversible action."""
    spec: dict[str, Any] = {
        "name": name,
        "owner": "alice",
        "risk_tier": "high",
        "environments": ["staging", "prod"],
        "actions": [
            {"name": "issue-refund", "reversible": False},
            {"name": "send-email", "reversible": True},
        ],
        "surfaces": [{"name": "model", "kind": "model"}, {"name": "prompt", "kind": "prompt"}],
    }
    return spec | overrides


def make_system(api: httpx.Client, name: str = "support-bot", **overrides: Any) -> dict[str, Any]:
    response = api.post("/systems", json=system_spec(name, **overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def make_release(
    api: httpx.Client, system: str, name: str, surfaces: dict[str, Any]
) -> dict[str, Any]:
    response = api.post(f"/systems/{system}/releases", json={"name": name, "surfaces": surfaces})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
