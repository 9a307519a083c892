"""Canary routes: versioned sets, the target, runs, clear errors at the door, roles."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.db.session import unit_of_work
from tests.canaries.factories import LABELLED, case, routing_body
from tests.conftest import make_token
from tests.registry.factories import contents, make_system, release

SETS = "/api/v1/systems/support-agent/canaries"


@pytest.fixture
def system(session_factory: sessionmaker[Session]) -> None:
    with unit_of_work(session_factory) as session:
        make_system(session)
        release(session, "v1", contents("1"))
        release(session, "bad-2", contents("2"))


def target(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "python", "callable": LABELLED, "release_gate": True}
    body.update(overrides)
    return body


def test_put_creates_versions_and_get_reads_them(client: TestClient, system: None) -> None:
    first = client.put(f"{SETS}/routing", json=routing_body())
    assert (first.status_code, first.json()["version"], first.json()["created"]) == (200, 1, True)
    same = client.put(f"{SETS}/routing", json=routing_body())
    assert (same.json()["version"], same.json()["created"]) == (1, False)
    client.put(f"{SETS}/routing", json=routing_body(interval_s=60))
    assert [s["version"] for s in client.get(f"{SETS}/routing/versions").json()["items"]] == [2, 1]
    assert client.get(f"{SETS}/routing", params={"version": 1}).json()["interval_s"] is None
    assert [(s["name"], s["version"]) for s in client.get(SETS).json()["items"]] == [("routing", 2)]


def test_bad_sets_name_the_field_and_the_fix(client: TestClient, system: None) -> None:
    body = routing_body(cases=[case("a", "p", kind="regex", pattern="[a-")], interval_s=1)
    response = client.put(f"{SETS}/routing", json=body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"interval_s", "cases.0.check.regex.pattern"}
    assert "is not a valid regular expression" in response.json()["detail"]


def test_a_target_of_the_wrong_shape_is_refused(client: TestClient, system: None) -> None:
    response = client.put(
        "/api/v1/systems/support-agent/canary-target", json={"kind": "http", "url": "ftp://x"}
    )
    assert response.status_code == 422
    assert "url: 'ftp://x' is not an http(s) URL" in response.json()["detail"]
    missing = client.put("/api/v1/systems/support-agent/canary-target", json={"kind": "python"})
    assert "callable: required for a python target" in missing.json()["detail"]


def test_run_then_activate_through_the_gate(client: TestClient, system: None) -> None:
    client.put(f"{SETS}/routing", json=routing_body())
    assert (
        client.put("/api/v1/systems/support-agent/canary-target", json=target()).status_code == 200
    )
    activate = "/api/v1/systems/support-agent/releases/bad-2/activate"
    refused = client.post(activate, json={"environment": "prod", "reason": "ship"})
    assert refused.status_code == 409
    assert "routing v1 has not been run against bad-2" in refused.json()["detail"]

    [run] = client.post(f"{SETS}/routing/run", params={"release": "bad-2"}).json()
    assert (run["status"], run["passed"], run["failed"], run["emitted"]) == ("failed", 1, 1, False)
    assert run["results"][0]["reason"] == "expected label 'refund', got label 'general'"
    refused = client.post(activate, json={"environment": "prod", "reason": "ship"})
    assert f"routing v1 failed refund (run {run['id']})" in refused.json()["detail"]

    [good] = client.post(f"{SETS}/run", params={"release": "v1"}).json()
    assert good["status"] == "passed"
    ok = client.post(
        "/api/v1/systems/support-agent/releases/v1/activate",
        json={"environment": "prod", "reason": "ship"},
    )
    assert ok.status_code == 200
    listed = client.get("/api/v1/canary-runs", params={"system": "support-agent"}).json()
    assert [r["id"] for r in listed["items"]] == [good["id"], run["id"]]
    assert client.get(f"/api/v1/canary-runs/{run['id']}").json()["release"] == "bad-2"


def test_unknown_release_and_missing_run_are_404(client: TestClient, system: None) -> None:
    client.put(f"{SETS}/routing", json=routing_body())
    client.put("/api/v1/systems/support-agent/canary-target", json=target())
    response = client.post(f"{SETS}/routing/run", params={"release": "v9"})
    assert (response.status_code, response.json()["detail"]) == (
        404,
        "support-agent has no release 'v9'; `blastwall release list support-agent` lists them",
    )
    assert client.get("/api/v1/canary-runs/999").status_code == 404


def test_viewers_read_and_cannot_write(
    app_client: TestClient, session_factory: sessionmaker[Session], system: None
) -> None:
    token = make_token(session_factory, "vera", Role.viewer)
    app_client.headers["Authorization"] = f"Bearer {token}"
    assert app_client.get(SETS).json() == {"items": [], "next_cursor": None}
    assert app_client.put(f"{SETS}/routing", json=routing_body()).status_code == 403
    assert app_client.post(f"{SETS}/routing/run").status_code == 403
