"""The release in force as SDKs follow it: ordered with lever revisions, newest per
environment, large surfaces by hash; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.db.session import unit_of_work
from blastwall.levers import service as levers
from blastwall.levers import stream
from blastwall.registry import feed
from blastwall.registry.rollback import rollback
from blastwall.registry.surfaces import canonical_hash
from tests.conftest import make_token
from tests.levers.test_stream import next_event, serving, sse
from tests.registry.factories import (
    ADMIN,
    RESPONDER,
    SYSTEM,
    activate,
    contents,
    make_system,
    release,
)

INLINE = 16_384


def _shipped(session: Session) -> None:
    """r1 (known-good) active in staging and prod, then r2 (new prompt) in prod."""
    make_system(session)
    release(session, "r1", contents("1"), known_good=True)
    release(session, "r2", {"prompt": {"template": "Be bold."}})
    activate(session, "r1", "staging")
    activate(session, "r1")
    activate(session, "r2")


def _summary(states: list[Any]) -> list[tuple[str, str, int, dict[str, int]]]:
    return [
        (s.environment, s.release, s.revision, {n: v.version for n, v in s.surfaces.items()})
        for s in states
    ]


def test_activations_draw_lever_revisions_and_only_the_newest_per_environment_is_sent(
    session: Session,
) -> None:
    _shipped(session)
    levers.kill(session, SYSTEM, actor=ADMIN, reason="drill")
    assert levers.current_revision(session) == 4
    assert _summary(feed.since(session, 0, max_inline_bytes=INLINE)) == [
        ("staging", "r1", 1, {"kb": 1, "model": 1, "prompt": 1, "settings": 1}),
        ("prod", "r2", 3, {"kb": 1, "model": 1, "prompt": 2, "settings": 1}),
    ]
    assert _summary(feed.since(session, 1, max_inline_bytes=INLINE)) == [
        ("prod", "r2", 3, {"kb": 1, "model": 1, "prompt": 2, "settings": 1})
    ]
    assert feed.since(session, 3, max_inline_bytes=INLINE) == []
    assert feed.since(session, 0, max_inline_bytes=INLINE, system_name="other") == []


def test_a_rollback_of_one_surface_is_sent_with_the_next_revision(session: Session) -> None:
    _shipped(session)
    rollback(session, SYSTEM, environment="prod", surface="prompt", reason="bad", actor=RESPONDER)
    [state] = feed.since(session, 3, max_inline_bytes=INLINE)
    assert (state.release, state.revision) == ("r2+rollback-prompt-1", 4)
    prompt = state.surfaces["prompt"]
    assert (prompt.kind, prompt.version, prompt.content) == (
        "prompt",
        1,
        {"template": "You are a support agent (1)."},
    )
    assert prompt.hash == canonical_hash({"template": "You are a support agent (1)."})


def test_content_over_the_limit_travels_as_hash_and_size_only(session: Session) -> None:
    _shipped(session)
    [_, prod] = feed.since(session, 0, max_inline_bytes=40)
    sizes = {n: (s.size, s.content is None) for n, s in prod.surfaces.items()}
    # '{"template":"Be bold."}' is 23 bytes of canonical JSON; only settings exceed 40.
    assert sizes == {
        "kb": (16, False),
        "model": (37, False),
        "prompt": (23, False),
        "settings": (46, True),
    }


def test_the_feed_and_the_content_endpoint_serve_what_the_sdk_needs(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(session_factory) as session:
        _shipped(session)
    body = client.get("/api/v1/levers?since=1").json()
    assert body["revision"] == 3
    assert [(r["environment"], r["release"], r["revision"]) for r in body["releases"]] == [
        ("prod", "r2", 3)
    ]
    digest = canonical_hash({"template": "Be bold."})
    assert body["releases"][0]["surfaces"]["prompt"] == {
        "kind": "prompt",
        "version": 2,
        "hash": digest,
        "size": 23,
        "content": {"template": "Be bold."},
    }
    fetched = client.get(f"/api/v1/systems/{SYSTEM}/surfaces/prompt/content/{digest}")
    assert (fetched.status_code, fetched.json()["number"], fetched.json()["content"]) == (
        200,
        2,
        {"template": "Be bold."},
    )


def test_the_content_endpoint_refuses_unknown_and_malformed_hashes(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(session_factory) as session:
        _shipped(session)
    base = f"/api/v1/systems/{SYSTEM}/surfaces"
    unknown = client.get(f"{base}/prompt/content/{'0' * 64}")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == (
        f"surface 'prompt' of {SYSTEM} has no version with content hash {'0' * 64!r}; "
        f"the hashes in force are in GET /systems/{SYSTEM}/active"
    )
    assert client.get(f"{base}/prompt/content/not-a-hash").status_code == 422
    assert client.get(f"{base}/tone/content/{'0' * 64}").status_code == 404


def test_an_activation_is_pushed_on_the_lever_stream_as_a_release_event(
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No periodic check: only the after-commit notice can deliver the activation.
    monkeypatch.setattr(stream, "POLL_INTERVAL_S", 3600.0)
    with unit_of_work(session_factory) as session:
        _shipped(session)
    viewer = {"Authorization": f"Bearer {make_token(session_factory, 'sdk', Role.viewer)}"}
    url = f"/api/v1/levers/stream?since=3&system={SYSTEM}"
    with (
        serving(settings, engine) as base,
        httpx.Client(base_url=base, timeout=httpx.Timeout(60.0)) as http,
        http.stream("GET", url, headers=viewer) as response,
    ):
        events = sse(response.iter_lines())
        with unit_of_work(session_factory) as session:
            activate(session, "r1")
        pushed = next_event(events)
    data = json.loads(pushed["data"])
    assert (pushed["id"], pushed["event"], data["release"], data["environment"]) == (
        "4",
        "release",
        "r1",
        "prod",
    )
    assert data["surfaces"]["prompt"]["content"] == {"template": "You are a support agent (1)."}
