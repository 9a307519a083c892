"""The SDK against a real server over HTTP (uvicorn on loopback), on SQLite and PostgreSQL.

Kill through the API -> the Guard refuses its next call; the server going down and coming
back; events, hand-offs and approvals arriving. Deadlines are generous and never asserted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall import testing
from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.handoffs.models import Handoff
from blastwall.sdk import ActionRefused, Decision, Guard
from blastwall.server.app import create_app
from blastwall.traces.models import Trace
from tests.conftest import make_token
from tests.sdk.factories import wait_for

SYSTEM = "support-bot"
ENVIRONMENT = "prod"


class LiveServer:
    """uvicorn in a thread on a fixed loopback port, which can be stopped and started again."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(
            create_app(self.settings, self.engine), log_level="warning", timeout_graceful_shutdown=1
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        assert wait_for(lambda: server.started or not thread.is_alive(), timeout=30)
        assert server.started, "the test server did not start; see the log above"
        self._server, self._thread = server, thread

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    server = LiveServer(settings, engine)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tokens(session_factory: sessionmaker[Session]) -> dict[str, str]:
    return {
        "viewer": make_token(session_factory, "sdk", Role.viewer),
        "admin": make_token(session_factory, "root", Role.admin),
    }


@pytest.fixture
def api(live: LiveServer, tokens: dict[str, str]) -> Iterator[httpx.Client]:
    """An admin client; the system under test is registered through the API first."""
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    with httpx.Client(base_url=live.url + "/api/v1", headers=headers, timeout=30) as client:
        created = client.post(
            "/systems",
            json={
                "name": SYSTEM,
                "owner": "ml-platform",
                "risk_tier": "high",
                "environments": [ENVIRONMENT, "staging"],
            },
        )
        assert created.status_code == 201, created.text
        yield client


@pytest.fixture
def guard(
    live: LiveServer, tokens: dict[str, str], tmp_path: Path, api: httpx.Client
) -> Iterator[Guard]:
    guard = Guard(
        SYSTEM,
        ENVIRONMENT,
        server=live.url,
        token=tokens["viewer"],
        state_file=tmp_path / "levers.json",
        otel_spans=False,
        flush_interval_s=0.1,
        poll_interval_s=0.2,
        approval_timeout_s=30,
    )
    yield guard
    guard.close()


def decision(guard: Guard) -> Decision:
    with guard.call(input="q") as call:
        pass
    return call.decision


def test_a_kill_through_the_api_stops_the_next_call_and_restore_resumes(
    guard: Guard, api: httpx.Client
) -> None:
    assert wait_for(lambda: guard.stats()["stream_connected"], timeout=30)
    assert decision(guard) is Decision.proceed
    killed = api.post(f"/systems/{SYSTEM}/kill", json={"reason": "refunds routed to fraud"})
    assert killed.status_code == 200, killed.text
    assert wait_for(lambda: decision(guard) is Decision.killed, timeout=30)
    restored = api.post(f"/systems/{SYSTEM}/restore", json={"reason": "fixed"})
    assert restored.status_code == 200, restored.text
    assert wait_for(lambda: decision(guard) is Decision.proceed, timeout=30)


def test_server_down_keeps_the_kill_and_recovery_brings_the_restore(
    guard: Guard, api: httpx.Client, live: LiveServer, tokens: dict[str, str], tmp_path: Path
) -> None:
    api.post(f"/systems/{SYSTEM}/kill", json={"reason": "drill"}).raise_for_status()
    assert wait_for(lambda: decision(guard) is Decision.killed, timeout=30)
    live.stop()
    started = time.monotonic()
    assert [decision(guard) for _ in range(100)] == [Decision.killed] * 100
    assert time.monotonic() - started < 10  # calls never wait on the dead server
    # A process restarted while the server is down still refuses, from the state file.
    restarted = Guard(
        SYSTEM,
        ENVIRONMENT,
        server=live.url,
        token=tokens["viewer"],
        otel_spans=False,
        state_file=tmp_path / "levers.json",
        startup_sync_s=0.5,
    )
    try:
        assert decision(restarted) is Decision.killed
    finally:
        restarted.close()
    live.start()
    with httpx.Client(
        base_url=live.url + "/api/v1",
        timeout=30,
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    ) as again:
        again.post(f"/systems/{SYSTEM}/restore", json={"reason": "over"}).raise_for_status()
    assert wait_for(lambda: decision(guard) is Decision.proceed, timeout=30)


def test_an_outage_loses_no_event_and_the_handoff_arrives_once(
    guard: Guard,
    api: httpx.Client,
    live: LiveServer,
    tokens: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    # Keep retries frequent so the test does not wait out the 30 s production ceiling.
    guard.exporter.max_backoff_s = 0.3
    live.stop()
    sent = [one_call(guard, f"question {n}") for n in range(299)]
    # One call handed to a human while the server is down (the levers as the cache holds
    # them; the server's own state is not consulted while it is away).
    testing.set_levers(guard, human_fallback=True, revision=guard.levers_cache.revision)
    sent.append(one_call(guard, "close my account"))
    # With flush_interval_s=0.1 the old five-attempt limit dropped the batch after ~0.5 s.
    assert wait_for(lambda: guard.exporter._failures >= 8, timeout=30)
    down_stats = guard.stats()
    live.start()

    def stored() -> list[str]:
        with session_factory() as session:
            rows = session.scalars(select(Trace.trace_id).where(Trace.trace_id.in_(sent)))
            return sorted(rows)

    assert wait_for(lambda: len(stored()) >= len(sent), timeout=60)
    assert (down_stats["dropped"], down_stats["queued"]) == (0, 300)
    assert stored() == sorted(sent)
    assert wait_for(lambda: guard.stats()["handoffs_sent"] == 1, timeout=30)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == 1
    assert guard.stats()["dropped"] == 0


def one_call(guard: Guard, text: str) -> str:
    with guard.call(user_id="u-1", input=text) as call:
        call.set_output("on its way", input_tokens=5, output_tokens=3)
    return call.trace_id


def test_events_handoffs_and_approvals_reach_the_server(guard: Guard, api: httpx.Client) -> None:
    with guard.call(user_id="u-1", input="where is my refund?", model="gpt-4o") as call:
        call.set_output("on its way", input_tokens=5, output_tokens=3)
    guard.feedback(call.trace_id, "wrong", comment="it is not")

    def trace_stored() -> bool:
        found = api.get(f"/traces/{call.trace_id}")
        return found.status_code == 200 and bool(found.json()["feedback"])

    assert wait_for(trace_stored, timeout=30)
    stored = api.get(f"/traces/{call.trace_id}").json()
    assert [(c["decision"], c["output"], c["model"]) for c in stored["calls"]] == [
        ("proceed", "on its way", "gpt-4o")
    ]

    api.post(
        f"/systems/{SYSTEM}/levers",
        json={"reason": "drill", "environment": ENVIRONMENT, "set": {"human_fallback": True}},
    ).raise_for_status()
    assert wait_for(lambda: decision(guard) is Decision.human_fallback, timeout=30)

    def handed_off() -> bool:
        return any(h["system"] == SYSTEM for h in api.get("/handoffs").json()["items"])

    assert wait_for(handed_off, timeout=30)

    api.post(f"/systems/{SYSTEM}/restore", json={"reason": "done", "environment": ENVIRONMENT})
    assert wait_for(lambda: decision(guard) is Decision.proceed, timeout=30)
    guard.declare_action("issue_refund", reversible=False)

    def responder() -> None:
        def pending() -> list[dict[str, object]]:
            listed: list[dict[str, object]] = api.get("/approvals?status=pending").json()["items"]
            return listed

        if wait_for(lambda: bool(pending()), timeout=30):
            approval_id = pending()[0]["id"]
            api.post(f"/approvals/{approval_id}/deny", json={"reason": "too large"})

    thread = threading.Thread(target=responder)
    thread.start()
    with guard.call(input="refund 900") as call, pytest.raises(ActionRefused) as refused:
        call.action("issue_refund", amount=900)
    thread.join()
    assert "denied" in refused.value.reason
    assert "too large" in refused.value.reason


def shown(guard: Guard, output: str) -> str:
    """What the user sees when the model answers ``output``."""
    with guard.call(input="tips?") as call:
        return call.set_output(output)


def test_a_term_sent_with_the_filters_lever_blocks_output_with_no_app_registration(
    guard: Guard, api: httpx.Client
) -> None:
    assert wait_for(lambda: guard.stats()["stream_connected"], timeout=30)
    assert shown(guard, "Use the chargeback trick.") == "Use the chargeback trick."
    refused = api.post(
        f"/systems/{SYSTEM}/levers",
        json={"reason": "bot teaches fraud", "set": {"filter_patterns": ["(a+)+"]}},
    )
    assert refused.status_code == 422
    pulled = api.post(
        f"/systems/{SYSTEM}/levers",
        json={
            "reason": "bot teaches fraud",
            "set": {"filter_terms": ["chargeback trick"], "filter_stage": "output"},
        },
    )
    assert pulled.status_code == 200, pulled.text
    assert wait_for(
        lambda: shown(guard, "Use the chargeback trick.") != "Use the chargeback trick.",
        timeout=30,
    )
    with guard.call(input="tips?") as call:
        call.set_output("Use the Chargeback Trick.")
    assert [(h.filter, h.category) for h in call.filter_hits] == [("lever:terms", "term")]
    restored = api.post(f"/systems/{SYSTEM}/restore", json={"reason": "fixed"})
    assert restored.status_code == 200, restored.text
    assert wait_for(
        lambda: shown(guard, "Use the chargeback trick.") == "Use the chargeback trick.",
        timeout=30,
    )


def test_a_model_family_kill_stops_every_system_calling_that_model_and_no_other(
    live: LiveServer, tokens: dict[str, str], tmp_path: Path, api: httpx.Client
) -> None:
    other = api.post(
        "/systems",
        json={"name": "sales-bot", "owner": "growth", "risk_tier": "low", "environments": ["prod"]},
    )
    assert other.status_code == 201, other.text

    def follow(system: str, model: str) -> Guard:
        return Guard(
            system,
            ENVIRONMENT,
            server=live.url,
            token=tokens["viewer"],
            model=model,
            state_file=tmp_path / f"{system}-{model}.json",
            otel_spans=False,
            poll_interval_s=0.2,
        )

    guards = [
        follow(SYSTEM, "gpt-4o-2024-08-06"),
        follow("sales-bot", "gpt-4o-2024-05-13"),
        follow("sales-bot", "gpt-4o-mini"),
    ]
    try:
        for g in guards:
            assert wait_for(lambda g=g: g.stats()["stream_connected"], timeout=30)
        assert [decision(g) for g in guards] == [Decision.proceed] * 3
        killed = api.post("/models/kill", json={"prefix": "gpt-4o-2024", "reason": "empty answers"})
        assert killed.status_code == 200, killed.text
        assert wait_for(
            lambda: (
                [decision(g) for g in guards]
                == [Decision.killed, Decision.killed, Decision.proceed]
            ),
            timeout=30,
        )
        restored = api.post("/models/restore", json={"prefix": "gpt-4o-2024", "reason": "fixed"})
        assert restored.status_code == 200, restored.text
        assert wait_for(lambda: [decision(g) for g in guards] == [Decision.proceed] * 3, timeout=30)
    finally:
        for g in guards:
            g.close()
