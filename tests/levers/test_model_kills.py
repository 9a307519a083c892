"""Model-family kills (C1 across systems): API, audit, feed, restore, refusals; both DBs."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from tests.conftest import make_token
from tests.levers.factories import committed_system


def post(client: TestClient, verb: str, **body: Any) -> Any:
    body.setdefault("reason", "snapshot returns empty answers")
    return client.post(f"/api/v1/models/{verb}", json=body)


def without_time(body: dict[str, Any]) -> dict[str, Any]:
    assert body.pop("updated_at")
    return body


def test_a_model_kill_is_audited_listed_fed_to_sdks_and_restored(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    killed = post(client, "kill", prefix=" gpt-4o-2024 ")
    assert killed.status_code == 200, killed.text
    assert without_time(killed.json()) == {
        "prefix": "gpt-4o-2024",
        "killed": True,
        "revision": 1,
        "updated_by": "root",
        "changed": True,
        "audit_seq": killed.json()["audit_seq"],
    }
    again = post(client, "kill", prefix="gpt-4o-2024")
    assert (again.json()["changed"], again.json()["revision"]) == (False, 1)
    listed = client.get("/api/v1/models/kills").json()
    assert [(k["prefix"], k["killed"]) for k in listed["items"]] == [("gpt-4o-2024", True)]
    feed = client.get("/api/v1/levers", params={"since": 0, "system": "support-bot"}).json()
    assert [(k["prefix"], k["killed"], k["revision"]) for k in feed["model_kills"]] == [
        ("gpt-4o-2024", True, 1)
    ]
    audit = client.get("/api/v1/audit").json()["items"]
    entry = next(e for e in audit if e["action"] == "lever.model_kill")
    assert (entry["target"], entry["reason"], entry["after"]) == (
        "model:gpt-4o-2024",
        "snapshot returns empty answers",
        {"prefix": "gpt-4o-2024", "killed": True, "revision": 1},
    )

    restored = post(client, "restore", prefix="gpt-4o-2024", reason="provider fixed it")
    assert restored.status_code == 200, restored.text
    assert (restored.json()["killed"], restored.json()["revision"]) == (False, 2)
    assert client.get("/api/v1/models/kills").json()["items"] == []
    feed = client.get("/api/v1/levers", params={"since": 1}).json()
    assert [(k["prefix"], k["killed"]) for k in feed["model_kills"]] == [("gpt-4o-2024", False)]
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert actions.count("lever.model_restore") == 1


def test_a_short_prefix_or_an_unknown_restore_is_refused_with_the_fix(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    short = post(client, "kill", prefix="gp")
    assert short.status_code == 422
    assert (short.json()["field"], short.json()["detail"]) == (
        "prefix",
        "model prefix 'gp' must be 3 to 200 characters: name the model or its family, e.g. "
        "'gpt-4o-2024' (a short prefix would kill every model)",
    )
    unknown = post(client, "restore", prefix="claude-2")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == (
        "no model kill for 'claude-2': `blastwall model-kills` lists the ones in force"
    )


def test_a_viewer_cannot_kill_a_model(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    token = make_token(session_factory, "watcher", Role.viewer)
    response = client.post(
        "/api/v1/models/kill",
        json={"prefix": "gpt-4o-2024", "reason": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert client.get("/api/v1/models/kills").json()["items"] == []
