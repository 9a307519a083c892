"""Registry routes: the release lifecycle over HTTP, roles, and problem+json for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.exceptions import NotFound
from blastwall.incidents import timeline
from tests.conftest import ONE_DATABASE, make_token
from tests.registry.factories import audit_count, contents, make_incident, system_spec

SYSTEMS = "/api/v1/systems"
AGENT = f"{SYSTEMS}/support-agent"


def _system_body(**overrides: Any) -> dict[str, Any]:
    return system_spec(**overrides).model_dump(mode="json")


def _released(client: TestClient) -> None:
    """The factory system with r1 (known-good) and r2 (new prompt) active in prod."""
    assert client.post(SYSTEMS, json=_system_body()).status_code == 201
    assert client.post(
        f"{AGENT}/releases", json={"name": "r1", "surfaces": contents("1")}
    ).is_success
    assert client.post(f"{AGENT}/releases/r1/known-good", json={"reason": "soaked"}).is_success
    r2 = {"name": "r2", "surfaces": {"prompt": {"template": "Be bold."}}}
    assert client.post(f"{AGENT}/releases", json=r2).status_code == 201
    assert client.post(f"{AGENT}/releases/r2/activate", json={"environment": "prod"}).is_success


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_system_create_read_and_upsert(client: TestClient) -> None:
    created = client.post(SYSTEMS, json=_system_body())
    assert created.status_code == 201
    assert created.json()["actions"] == [
        {"name": "issue-refund", "reversible": False, "description": ""},
        {"name": "tag-ticket", "reversible": True, "description": "Adds a label."},
    ]
    assert [s["name"] for s in client.get(SYSTEMS).json()["items"]] == ["support-agent"]
    assert client.get(AGENT).json()["risk_tier"] == "high"
    unchanged = client.put(AGENT, json=_system_body())
    assert (unchanged.json()["action"], unchanged.json()["changes"]) == ("unchanged", {})
    updated = client.put(AGENT, json=_system_body(owner="bob@example.com"))
    assert updated.json()["changes"] == {"owner": ["alice@example.com", "bob@example.com"]}
    again = client.post(SYSTEMS, json=_system_body())
    assert again.status_code == 409
    mismatch = client.put(f"{SYSTEMS}/other", json=_system_body())
    assert mismatch.status_code == 422
    assert mismatch.json()["detail"].startswith("name: body says 'support-agent' but the URL")


def test_release_lifecycle_and_rollback(client: TestClient) -> None:
    _released(client)
    listed = client.get(f"{AGENT}/releases").json()["items"]
    assert [(r["name"], r["known_good"]) for r in listed] == [("r2", False), ("r1", True)]
    assert listed[0]["surfaces"]["prompt"] == {
        "kind": "prompt",
        "number": 2,
        "content_hash": listed[0]["surfaces"]["prompt"]["content_hash"],
    }
    active = client.get(f"{AGENT}/active", params={"environment": "prod"}).json()
    assert (active["release"], active["surfaces"]["prompt"]["content"]) == (
        "r2",
        {"template": "Be bold."},
    )

    rolled = client.post(
        f"{AGENT}/rollback",
        json={"environment": "prod", "surface": "prompt", "reason": "rude answers"},
    )
    assert rolled.status_code == 200
    assert rolled.json() == {
        "environment": "prod",
        "from_release": "r2",
        "to_release": "r2+rollback-prompt-1",
        "surfaces_changed": ["prompt"],
    }
    derived = client.get(f"{AGENT}/releases/r2+rollback-prompt-1").json()
    assert derived["surfaces"]["prompt"]["number"] == 1
    history = client.get(f"{AGENT}/deployments", params={"environment": "prod"}).json()["items"]
    assert [(d["release"], d["reason"]) for d in history] == [
        ("r2+rollback-prompt-1", "rude answers"),
        ("r2", ""),
    ]
    versions = client.get(f"{AGENT}/surfaces/prompt/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    unmarked = client.delete(f"{AGENT}/releases/r1/known-good", params={"reason": "also bad"})
    assert unmarked.json()["known_good"] is False


def test_roles_are_enforced(
    client: TestClient, app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _released(client)
    viewer = make_token(session_factory, "val", Role.viewer)
    responder = make_token(session_factory, "remy", Role.responder)
    commander = make_token(session_factory, "cora", Role.commander)
    assert app_client.get(AGENT, headers=_as(viewer)).status_code == 200
    denied = app_client.post(f"{AGENT}/releases", json={"name": "r3"}, headers=_as(viewer))
    assert (denied.status_code, denied.json()["detail"]) == (
        403,
        "val has role viewer; this needs commander or higher",
    )
    activate = app_client.post(
        f"{AGENT}/releases/r1/activate",
        json={"environment": "staging"},
        headers=_as(responder),
    )
    assert activate.status_code == 403
    rollback = app_client.post(
        f"{AGENT}/rollback",
        json={"environment": "prod", "reason": "refund storm"},
        headers=_as(responder),
    )
    assert (rollback.status_code, rollback.json()["to_release"]) == (200, "r1")
    create = app_client.post(SYSTEMS, json=_system_body(name="x"), headers=_as(commander))
    assert create.status_code == 403


@ONE_DATABASE
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", SYSTEMS, _system_body() | {"name": "Bad Name"}, "name"),
        (
            "post",
            SYSTEMS,
            _system_body() | {"surfaces": [{"name": "m", "kind": "weights"}]},
            "surfaces.0.kind",
        ),
        ("post", SYSTEMS, _system_body() | {"environments": ["prod", "PROD"]}, "environments.1"),
        (
            "post",
            f"{AGENT}/releases",
            {"name": "r3", "surfaces": {"prompt": "hi"}},
            "surfaces.prompt",
        ),
        ("post", f"{AGENT}/releases", {"name": "r3", "surface": {}}, "surface"),
        ("post", f"{AGENT}/releases", {"name": "r3", "expect_shift": ["A b"]}, "expect_shift.0"),
        ("post", f"{AGENT}/rollback", {"environment": "prod"}, "reason"),
        ("post", f"{AGENT}/releases/r1/activate", {"environment": "Prod!"}, "environment"),
    ],
)
def test_bad_bodies_name_the_field(
    client: TestClient, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    _released(client)
    response = getattr(client, method)(path, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        (
            f"{AGENT}/releases/r1/activate",
            {"environment": "qa"},
            422,
            "environment 'qa' is not one of support-agent's environments (staging, prod)",
        ),
        (
            f"{AGENT}/releases",
            {"name": "r3", "surfaces": {"tools": {}}},
            422,
            "support-agent has no surface 'tools'",
        ),
        (
            f"{AGENT}/rollback",
            {"environment": "prod", "surface": "tools", "reason": "x"},
            422,
            "support-agent has no surface 'tools'",
        ),
        (
            f"{AGENT}/rollback",
            {"environment": "staging", "reason": "x"},
            409,
            "nothing is active in support-agent/staging",
        ),
        (f"{SYSTEMS}/nope/releases", {"name": "r3"}, 404, "no system named 'nope'"),
    ],
)
def test_domain_errors_are_problem_json(
    client: TestClient, path: str, body: dict[str, Any], status: int, detail: str
) -> None:
    _released(client)
    response = client.post(path, json=body)
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_nothing_active_is_404(client: TestClient) -> None:
    _released(client)
    response = client.get(f"{AGENT}/active", params={"environment": "staging"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("nothing is active in support-agent/staging")


def test_failed_rollback_over_http_commits_nothing(
    client: TestClient, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _released(client)
    with session_factory() as session, session.begin():
        incident_id = make_incident(session).id
    with session_factory() as session:
        entries = audit_count(session)

    def gone(*_: object, **__: object) -> None:
        raise NotFound("incident vanished mid-rollback")

    monkeypatch.setattr(timeline, "add_entry", gone)
    response = client.post(
        f"{AGENT}/rollback",
        json={"environment": "prod", "reason": "x", "incident_id": incident_id},
    )
    assert response.status_code == 404
    with session_factory() as session:
        assert audit_count(session) == entries
    assert client.get(f"{AGENT}/active", params={"environment": "prod"}).json()["release"] == "r2"
    assert [r["name"] for r in client.get(f"{AGENT}/releases").json()["items"]] == ["r2", "r1"]


def test_a_release_declares_the_monitors_it_expects_to_move(client: TestClient) -> None:
    _released(client)
    unknown = client.post(f"{AGENT}/releases", json={"name": "r3", "expect_shift": ["lengths"]})
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == (
        "expect_shift names monitor(s) lengths that support-agent does not have; its monitors: "
        "none yet (`blastwall monitor list support-agent` lists them)"
    )
    monitor = {"name": "lengths", "signal": "response_length"}
    assert client.post(f"{AGENT}/monitors", json=monitor).status_code == 201
    created = client.post(
        f"{AGENT}/releases", json={"name": "r3", "expect_shift": ["lengths", "lengths"]}
    )
    assert created.status_code == 201
    assert created.json()["expect_shift"] == ["lengths"]
    assert client.get(f"{AGENT}/releases/r3").json()["expect_shift"] == ["lengths"]
    assert client.get(f"{AGENT}/releases/r1").json()["expect_shift"] == []
