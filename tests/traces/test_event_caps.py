"""What one event may carry: over a cap, that event is rejected by index, the rest stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.traces.factories import call_event, post_events, register_system


@pytest.fixture
def registered(session_factory: sessionmaker[Session]) -> None:
    register_system(session_factory)


def _tool(name: str, payload: str) -> dict[str, Any]:
    return {"name": name, "arguments": {"q": payload}, "status": "ok"}


@pytest.mark.usefixtures("registered")
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"attributes": {"blob": "x" * 16_384}},
            "attributes: is 16395 bytes as JSON, over the 16384-byte cap; keep attributes to "
            "ids, flags and counts; log the rest",
        ),
        (
            {"tool_calls": [_tool("search", "y" * 40_000), _tool("fetch", "z" * 40_000)]},
            "tool_calls: is 80106 bytes as JSON, over the 65536-byte cap; record smaller "
            "arguments and results (ids, not documents)",
        ),
        (
            {"levers": ["killed"] * 21},
            "levers: List should have at most 20 items after validation, not 21",
        ),
        (
            {"retrieved": [{"id": f"doc-{i}", "source": "kb"} for i in range(101)]},
            "retrieved: List should have at most 100 items after validation, not 101",
        ),
        (
            {"surfaces": {f"s{i}": "p" * 100 for i in range(80)}},
            "surfaces: is 8711 bytes as JSON, over the 8192-byte cap; send surface versions "
            "(ids, numbers), not content",
        ),
    ],
)
def test_an_event_over_a_cap_is_rejected_by_index(
    client: TestClient, overrides: dict[str, Any], reason: str
) -> None:
    response = post_events(client, [call_event(), call_event(**overrides)])
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "rejected": [{"index": 1, "reason": reason}]}


@pytest.mark.usefixtures("registered")
def test_an_event_just_under_the_caps_is_stored(client: TestClient) -> None:
    near = call_event(attributes={"blob": "x" * 16_000}, levers=["killed"] * 20)
    assert post_events(client, [near]).json() == {"accepted": 1, "rejected": []}
