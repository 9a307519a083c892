"""The edge middleware: tokens before bodies, size and depth limits, failure throttling."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from blastwall.config import Settings
from blastwall.server.app import create_app
from blastwall.server.throttle import AuthThrottle

UNKNOWN_TOKEN = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "API token is unknown or revoked; create one with `blastwall token create`",
}


def test_missing_and_unknown_tokens_get_the_same_401_as_before(app_client: TestClient) -> None:
    missing = app_client.post("/api/v1/incidents", json={"title": "x"})
    assert (missing.status_code, missing.headers["content-type"]) == (
        401,
        "application/problem+json",
    )
    assert missing.json()["detail"] == (
        "missing API token: send 'Authorization: Bearer <token>' (the CLI reads BLASTWALL_TOKEN)"
    )
    forged = app_client.get("/api/v1/systems", headers={"Authorization": "Bearer bw_forged"})
    assert (forged.status_code, forged.json()) == (401, UNKNOWN_TOKEN)


def test_health_openapi_and_docs_stay_public(app_client: TestClient) -> None:
    statuses = [
        app_client.get(path).status_code
        for path in ("/healthz", "/api/v1/openapi.json", "/api/v1/docs")
    ]
    assert statuses == [200, 200, 200]


def test_a_declared_oversized_body_is_refused_with_413(client: TestClient) -> None:
    body = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/incidents", content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.headers["content-type"]) == (
        413,
        "application/problem+json",
    )
    assert response.json()["detail"] == (
        "the request body is over the 1048576-byte limit of /api/v1/incidents; send less, or "
        "raise BLASTWALL_MAX_BODY_BYTES on the server"
    )


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    yield b'{"title": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


def test_a_chunked_oversized_body_is_refused_with_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/incidents",
        content=_chunks(2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Payload too large"


def test_the_body_limit_is_a_setting(settings: Settings, engine: Engine, admin_token: str) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048})
    with TestClient(create_app(small, engine)) as client:
        client.headers["Authorization"] = f"Bearer {admin_token}"
        response = client.post("/api/v1/incidents", json={"title": "x" * 3000})
    assert response.status_code == 413
    assert "over the 2048-byte limit" in response.json()["detail"]


def _nested(depth: int) -> bytes:
    return b'{"title": "t", "x": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("path", ["/api/v1/incidents", "/api/v1/events", "/api/v1/apply"])
def test_deep_json_gets_422_on_every_route(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=_nested(5000), headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["title"]) == (422, "Invalid input")
    assert response.json()["detail"].startswith(
        "the JSON body nests 5001 levels deep, over the limit of 64"
    )


def test_deep_gzipped_events_get_422(client: TestClient) -> None:
    import gzip  # noqa: PLC0415

    body = gzip.compress(b"[" * 100_000 + b"]" * 100_000)
    response = client.post("/api/v1/events", content=body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(
        "the JSON body nests 100000 levels deep, over the limit of 64"
    )


def test_nesting_at_the_limit_reaches_the_route(client: TestClient) -> None:
    at_limit = client.post("/api/v1/events", content=b"[" * 64 + b"]" * 64)
    # The route judges it: a list inside the batch is not an event.
    assert at_limit.status_code == 200
    assert at_limit.json()["rejected"][0]["index"] == 0
    over = client.post("/api/v1/events", content=b"[" * 65 + b"]" * 65)
    assert (over.status_code, over.json()["detail"][:40]) == (
        422,
        "the JSON body nests 65 levels deep, over",
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def throttled(app_client: TestClient) -> FakeClock:
    """The app's throttle at 3 failures per 60 s, on a clock the test moves."""
    clock = FakeClock()
    app = app_client.app
    app.state.auth_throttle = AuthThrottle(limit=3, window_s=60, clock=clock)  # type: ignore[attr-defined]
    return clock


def test_repeated_failures_from_one_address_get_429_until_the_window_passes(
    app_client: TestClient, throttled: FakeClock, admin_token: str
) -> None:
    forged = {"Authorization": "Bearer bw_guess"}
    valid = {"Authorization": f"Bearer {admin_token}"}
    first = [app_client.get("/api/v1/systems", headers=forged).status_code for _ in range(3)]
    assert first == [401, 401, 401]
    throttled.now += 20
    refused = app_client.get("/api/v1/systems", headers=valid)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "40")
    assert refused.json() == {
        "type": "about:blank",
        "title": "Too many requests",
        "status": 429,
        "detail": "too many failed authentications from this address; wait 40 s, then send "
        "a valid token ('Authorization: Bearer <token>'; `blastwall token create` makes one)",
    }
    throttled.now += 40
    assert app_client.get("/api/v1/systems", headers=valid).status_code == 200
    assert app_client.get("/api/v1/systems", headers=forged).status_code == 401


def test_failures_spread_over_windows_are_not_throttled(
    app_client: TestClient, throttled: FakeClock
) -> None:
    forged = {"Authorization": "Bearer bw_guess"}
    statuses = []
    for _ in range(6):
        statuses.append(app_client.get("/api/v1/systems", headers=forged).status_code)
        throttled.now += 30
    assert statuses == [401] * 6
