"""The lever stream over real HTTP: uvicorn on loopback, read with httpx as the SDK does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.db.session import unit_of_work
from blastwall.levers import notify, service, stream
from blastwall.server.app import create_app
from tests.conftest import make_token
from tests.levers.factories import ADMIN, committed_system

TIMEOUT = httpx.Timeout(60.0)


@contextmanager
def serving(settings: Settings, engine: Engine) -> Iterator[str]:
    """Run the app with uvicorn in a thread on a free loopback port; yield its base URL."""
    config = uvicorn.Config(
        create_app(settings, engine),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def sse(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Parse server-sent events: each as its fields, a comment as {"comment": text}."""
    fields: dict[str, Any] = {}
    for line in lines:
        if line.startswith(":"):
            yield {"comment": line[1:].strip()}
        elif line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif fields:
            yield fields
            fields = {}


def next_event(events: Iterator[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in events if "comment" not in e)


@pytest.fixture
def tokens(session_factory: sessionmaker[Session]) -> dict[str, dict[str, str]]:
    committed_system(session_factory, "support-bot")
    committed_system(session_factory, "refund-classifier")
    return {
        role.value: {"Authorization": f"Bearer {make_token(session_factory, role.value, role)}"}
        for role in (Role.viewer, Role.admin)
    }


def test_a_change_through_the_api_is_pushed_with_its_revision(
    settings: Settings,
    engine: Engine,
    tokens: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No periodic check in this test: only the in-process notice can deliver the change.
    monkeypatch.setattr(stream, "POLL_INTERVAL_S", 3600.0)
    with serving(settings, engine) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        api = "/api/v1/systems/support-bot"
        http.post(f"{api}/kill", json={"reason": "before"}, headers=tokens["admin"])
        with http.stream("GET", "/api/v1/levers/stream", headers=tokens["viewer"]) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            # SDKs size their staleness floor by the announced keep-alive interval.
            assert response.headers["x-blastwall-keepalive-s"] == "5"
            events = sse(response.iter_lines())
            backlog = next_event(events)
            assert (backlog["id"], backlog["event"]) == ("1", "levers")
            # Receiving the backlog proves the stream is subscribed; this one must be pushed.
            changed = http.post(
                f"{api}/levers",
                json={"reason": "leak", "environment": "prod", "set": {"filters": ["pii"]}},
                headers=tokens["admin"],
            )
            assert changed.status_code == 200
            pushed = next_event(events)
    assert (pushed["id"], pushed["event"]) == ("2", "levers")
    expected = {k: v for k, v in changed.json().items() if k not in ("changed", "audit_seq")}
    assert json.loads(pushed["data"]) == expected


def test_a_change_committed_elsewhere_reaches_the_stream_by_the_database_check(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tokens: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quick = settings.model_copy(update={"lever_stream_heartbeat_s": 0.05})
    url = "/api/v1/levers/stream?system=support-bot"
    with (
        serving(quick, engine) as base,
        httpx.Client(base_url=base, timeout=TIMEOUT) as http,
        http.stream("GET", url, headers=tokens["viewer"]) as response,
    ):
        events = sse(response.iter_lines())
        # A keep-alive comes only from the live loop: the backlog is behind us.
        assert next(events) == {"comment": "keepalive"}
        # Like the CLI on the database or another replica: no in-process notice arrives.
        monkeypatch.setattr(notify, "announce", lambda revision: None)
        with unit_of_work(session_factory) as session:
            service.kill(session, "refund-classifier", actor=ADMIN, reason="other system")
            service.change(
                session, "support-bot", "*", {"safe_mode": True}, actor=ADMIN, reason="cli"
            )
        pushed = next_event(events)
    data = json.loads(pushed["data"])
    assert (pushed["id"], data["system"], data["safe_mode"], data["revision"]) == (
        "2",
        "support-bot",
        True,
        2,
    )


def test_last_event_id_resumes_after_that_revision_with_keepalives(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    tokens: dict[str, dict[str, str]],
) -> None:
    with unit_of_work(session_factory) as session:
        service.kill(session, "support-bot", actor=ADMIN, reason="one")
        service.kill(session, "refund-classifier", actor=ADMIN, reason="two")
    quick = settings.model_copy(update={"lever_stream_heartbeat_s": 0.05})
    with serving(quick, engine) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        headers = {**tokens["viewer"], "Last-Event-ID": "1"}
        with http.stream("GET", "/api/v1/levers/stream?since=0", headers=headers) as response:
            events = sse(response.iter_lines())
            first = next(events)
            second = next(events)
    assert (first["id"], json.loads(first["data"])["system"]) == ("2", "refund-classifier")
    assert second == {"comment": "keepalive"}


def test_stream_refuses_bad_input_before_streaming(
    settings: Settings, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    with serving(settings, engine) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        unknown = http.get("/api/v1/levers/stream?system=nope", headers=tokens["viewer"])
        bad_id = http.get(
            "/api/v1/levers/stream", headers={**tokens["viewer"], "Last-Event-ID": "abc"}
        )
        anonymous = http.get("/api/v1/levers/stream")
    assert unknown.status_code == 404
    assert unknown.json()["detail"].startswith("no system named 'nope'")
    assert (bad_id.status_code, bad_id.json()["field"]) == (422, "Last-Event-ID")
    assert anonymous.status_code == 401


def test_event_wire_format() -> None:
    event = stream.StateEvent(revision=7, system="s", data='{"a":1}')
    assert stream.format_event(event) == 'id: 7\nevent: levers\ndata: {"a":1}\n\n'


def test_a_client_ahead_of_the_server_gets_every_state_then_new_ones(
    settings: Settings, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    with serving(settings, engine) as base, httpx.Client(base_url=base, timeout=TIMEOUT) as http:
        api = "/api/v1/systems/support-bot"
        http.post(f"{api}/kill", json={"reason": "one"}, headers=tokens["admin"])
        url = "/api/v1/levers/stream?since=40"
        with http.stream("GET", url, headers=tokens["viewer"]) as response:
            events = sse(response.iter_lines())
            first = next_event(events)
            http.post(f"{api}/restore", json={"reason": "two"}, headers=tokens["admin"])
            second = next_event(events)
    assert (first["id"], second["id"]) == ("1", "2")
    assert json.loads(second["data"])["killed"] is False


def test_a_stream_that_falls_behind_ends_so_the_client_resumes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stream, "QUEUE_MAX", 2)
    committed = [stream.StateEvent(r, "s", "{}") for r in (1, 2, 3)]
    broadcaster = stream.Broadcaster(
        fetch=lambda after: [e for e in committed if e.revision > after],
        latest=lambda: 0,
        poll_interval_s=0.01,
    )

    async def read_all() -> list[str]:
        body = stream.events(broadcaster, lambda since: [], since=0, system=None, heartbeat_s=60)
        async with asyncio.timeout(60):
            return [chunk async for chunk in body]

    sent = asyncio.run(read_all())
    # Three events arrive at once for an inbox of two: at most the first is sent, then it ends.
    assert sent in ([], [stream.format_event(committed[0])])


def test_closing_the_broadcaster_ends_open_streams_and_new_ones() -> None:
    """What a stop signal does (server/shutdown.py): every stream ends, SDKs then poll."""
    broadcaster = stream.Broadcaster(fetch=lambda after: [], latest=lambda: 0)
    backlog = [stream.StateEvent(1, "s", "{}")]

    async def read(body: Any) -> list[str]:
        async with asyncio.timeout(60):
            return [chunk async for chunk in body]

    async def scenario() -> tuple[list[str], list[str]]:
        open_stream = stream.events(
            broadcaster, lambda since: backlog, since=0, system=None, heartbeat_s=60
        )
        reading = asyncio.create_task(read(open_stream))
        while not broadcaster._subscriptions:  # the stream has subscribed
            await asyncio.sleep(0.01)
        broadcaster.close()
        first = await reading
        later = stream.events(
            broadcaster, lambda since: backlog, since=0, system=None, heartbeat_s=60
        )
        return first, await read(later)

    first, later = asyncio.run(scenario())
    assert first == later == [stream.format_event(backlog[0])]


def test_a_stream_following_one_system_also_gets_events_for_every_system() -> None:
    """A model-family kill (system '*') reaches a stream filtered to support-bot."""
    committed = [
        stream.StateEvent(1, "other-bot", "{}"),
        stream.StateEvent(2, stream.EVERY_SYSTEM, '{"prefix":"gpt-4o"}', kind="model_kill"),
        stream.StateEvent(3, "support-bot", "{}"),
    ]
    broadcaster = stream.Broadcaster(
        fetch=lambda after: [e for e in committed if e.revision > after],
        latest=lambda: 0,
        poll_interval_s=0.01,
    )

    async def read_two() -> list[str]:
        body = stream.events(
            broadcaster, lambda since: [], since=0, system="support-bot", heartbeat_s=60
        )
        sent: list[str] = []
        async with asyncio.timeout(60):
            async for chunk in body:
                sent.append(chunk)
                if len(sent) == 2:
                    broadcaster.close()
        return sent

    assert asyncio.run(read_two()) == [
        stream.format_event(committed[1]),
        stream.format_event(committed[2]),
    ]
