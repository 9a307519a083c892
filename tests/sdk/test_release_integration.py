"""A rollback through the API reaches a Guard over real HTTP (uvicorn on loopback), and the
trace the next call writes names the release and surface versions; SQLite and PostgreSQL.
Deadlines are generous and never asserted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.sdk import Guard
from blastwall.traces.models import Trace
from tests.conftest import make_token
from tests.sdk.factories import wait_for
from tests.sdk.test_integration import LiveServer

SYSTEM = "support-agent"
R1 = {
    "model": {"provider": "openai", "model": "gpt-4o-mini-2024-07-18"},
    "prompt": {"template": "You are the support assistant. Refunds up to 200 EUR."},
}


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    server = LiveServer(settings, engine)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(live: LiveServer, session_factory: sessionmaker[Session]) -> Iterator[httpx.Client]:
    """An admin client; r1 (known-good) then r2 (a new prompt) shipped to prod."""
    token = make_token(session_factory, "root", Role.admin)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live.url + "/api/v1", headers=headers, timeout=30) as client:
        system = {
            "name": SYSTEM,
            "owner": "support-ml",
            "risk_tier": "high",
            "environments": ["prod"],
            "surfaces": [{"name": "model", "kind": "model"}, {"name": "prompt", "kind": "prompt"}],
        }
        steps: list[tuple[str, dict[str, Any]]] = [
            ("/systems", system),
            (f"/systems/{SYSTEM}/releases", {"name": "r1", "surfaces": R1}),
            (f"/systems/{SYSTEM}/releases/r1/known-good", {"reason": "a week in prod"}),
            (
                f"/systems/{SYSTEM}/releases",
                {"name": "r2", "surfaces": {"prompt": {"template": "Refund everything."}}},
            ),
            (f"/systems/{SYSTEM}/releases/r2/activate", {"environment": "prod", "reason": "go"}),
        ]
        for path, body in steps:
            answer = client.post(path, json=body)
            assert answer.status_code in (200, 201), answer.text
        yield client


@pytest.fixture
def guard(
    live: LiveServer, api: httpx.Client, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[Guard]:
    guard = Guard(
        SYSTEM,
        "prod",
        server=live.url,
        token=make_token(session_factory, "sdk", Role.viewer),
        state_file=tmp_path / "levers.json",
        otel_spans=False,
        flush_interval_s=0.1,
        poll_interval_s=0.2,
    )
    yield guard
    guard.close()


def read(guard: Guard) -> tuple[str | None, str | None, str | None]:
    with guard.call(input="q") as call:
        call.set_output("ok")
    return call.release, call.prompt, call.trace_id


def test_a_rollback_of_one_surface_reaches_the_guard_and_its_traces(
    guard: Guard, api: httpx.Client, session_factory: sessionmaker[Session]
) -> None:
    assert wait_for(lambda: read(guard)[:2] == ("r2", "Refund everything."), timeout=30)
    assert wait_for(lambda: guard.stats()["stream_connected"], timeout=30)
    rolled = api.post(
        f"/systems/{SYSTEM}/rollback",
        json={"environment": "prod", "surface": "prompt", "reason": "refund rate 9x"},
    )
    assert rolled.status_code == 200, rolled.text
    expected = ("r2+rollback-prompt-1", R1["prompt"]["template"])
    assert wait_for(lambda: read(guard)[:2] == expected, timeout=30)
    _, _, trace_id = read(guard)
    with guard.call(input="q") as call:
        pass
    assert call.model == "gpt-4o-mini-2024-07-18"

    def stored() -> Trace | None:
        with session_factory() as session:
            return session.scalar(select(Trace).where(Trace.trace_id == trace_id))

    assert wait_for(lambda: stored() is not None, timeout=30)
    trace = stored()
    assert trace is not None
    assert (trace.release, trace.model, trace.payload["surfaces"]) == (
        "r2+rollback-prompt-1",
        "gpt-4o-mini-2024-07-18",
        {"model": 1, "prompt": 1},
    )
