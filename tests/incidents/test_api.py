"""Incident routes on both databases: shapes, roles, and clear errors at the boundary."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from tests.conftest import make_token
from tests.incidents.factories import incident_json, make_system

BASE = "/api/v1/incidents"


def open_incident(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(BASE, json=incident_json(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def as_role(session_factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session_factory, f'{role}-1', role)}"}


def test_open_returns_the_full_incident(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        make_system(session)
    created = open_incident(
        client, system="refund-bot", started_at="2025-03-01T01:00:00Z", classes=["integrity"]
    )
    fetched = client.get(f"{BASE}/{created['id']}").json()
    assert fetched == created
    assert {k: created[k] for k in ("system", "status", "harm", "reversibility", "severity")} == {
        "system": "refund-bot",
        "status": "detected",
        "harm": "moderate",
        "reversibility": "irreversible",
        "severity": 1,
    }
    assert created["cell"] == {
        "severity": 1,
        "containment": "kill or human_fallback now; diagnose after",
        "escalation": "page the incident commander immediately",
        "communication": "internal update every 30 min; notify affected users if harmful "
        "output reached them",
    }
    assert created["started_at"] == "2025-03-01T01:00:00Z"
    assert created["metrics"]["time_to_acknowledge_s"] is None
    assert created["metrics"]["time_to_detect_s"] > 0
    assert [e["kind"] for e in created["timeline"]] == ["opened"]
    assert created["timeline"][0]["actor"] == "root"


def test_lifecycle_over_the_api(client: TestClient) -> None:
    incident_id = open_incident(client, harm="severe")["id"]
    url = f"{BASE}/{incident_id}"
    assert client.post(f"{url}/acknowledge").json()["acknowledged_at"] is not None
    moved = client.post(f"{url}/transition", json={"to": "contained", "note": "killed"})
    assert (moved.status_code, moved.json()["status"]) == (200, "contained")
    patched = client.patch(url, json={"commander": "carol", "classes": ["privacy"]}).json()
    assert (patched["commander"], patched["classes"]) == ("carol", ["privacy"])
    note = client.post(f"{url}/notes", json={"message": "bank confirms refunds paused"})
    assert (note.status_code, note.json()["kind"]) == (201, "note")
    resolved = client.post(f"{url}/resolve", json={"note": "fixed prompt shipped"}).json()
    assert resolved["status"] == "resolved"
    assert [e["kind"] for e in resolved["timeline"]] == [
        "opened",
        "acknowledged",
        "role",
        "status",
        "update",
        "role",
        "note",
        "status",
    ]
    assert resolved["timeline"][-1]["message"] == "contained -> resolved: fixed prompt shipped"
    listed = client.get(BASE, params={"status": "resolved"}).json()["items"]
    assert [i["id"] for i in listed] == [incident_id]
    assert "timeline" not in listed[0]
    metrics = client.get(f"{BASE}/metrics").json()
    assert metrics["incidents"] == 1
    assert metrics["mttr_s"] == resolved["metrics"]["time_to_resolve_s"]


def test_refused_transition_is_409_with_the_allowed_list(client: TestClient) -> None:
    incident_id = open_incident(client)["id"]
    response = client.post(f"{BASE}/{incident_id}/transition", json={"to": "postmortem_done"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == (
        f"incident {incident_id} cannot move from detected to postmortem_done; "
        "allowed next: triaged, contained, mitigated"
    )
    assert response.json()["allowed"] == ["triaged", "contained", "mitigated"]


def test_bad_input_names_the_field(client: TestClient) -> None:
    bad_harm = client.post(BASE, json=incident_json(harm="awful"))
    assert (bad_harm.status_code, bad_harm.json()["errors"][0]["field"]) == (422, "harm")
    naive = client.post(BASE, json=incident_json(started_at="2025-03-01T01:00:00"))
    assert naive.json()["errors"][0]["field"] == "started_at"
    assert "timezone" in naive.json()["errors"][0]["message"]
    blank = client.post(BASE, json=incident_json(title="   "))
    assert blank.json()["errors"][0]["field"] == "title"
    extra = client.post(BASE, json=incident_json(sev=1))
    assert extra.json()["errors"][0]["field"] == "sev"
    incident_id = open_incident(client)["id"]
    bad_status = client.post(f"{BASE}/{incident_id}/transition", json={"to": "closed"})
    assert bad_status.json()["errors"][0]["field"] == "to"
    missing = client.get(f"{BASE}/4242")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "incident 4242 does not exist; `blastwall incident list` shows them",
    )
    later = client.patch(f"{BASE}/{incident_id}", json={"started_at": "2999-01-01T00:00:00Z"})
    assert later.status_code == 422
    assert later.json()["detail"].startswith("started_at may only move earlier")


def test_viewers_read_and_responders_write(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    viewer = as_role(session_factory, Role.viewer)
    responder = as_role(session_factory, Role.responder)
    refused = client.post(BASE, json=incident_json(), headers=viewer)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "viewer-1 has role viewer; this needs responder or higher",
    )
    created = client.post(BASE, json=incident_json(), headers=responder)
    assert created.status_code == 201
    assert client.get(f"{BASE}/{created.json()['id']}", headers=viewer).status_code == 200


def test_severity_matrix_shows_the_current_version(client: TestClient) -> None:
    body = client.get("/api/v1/severity-matrix").json()
    assert (body["version"], body["created_by"]) == (0, "blastwall (built-in default)")
    assert body["harm_levels"] == ["none", "minor", "moderate", "major", "severe"]
    assert body["reversibility"] == ["reversible", "irreversible"]
    assert {h: {r: c["severity"] for r, c in row.items()} for h, row in body["cells"].items()} == {
        "none": {"reversible": 3, "irreversible": 3},
        "minor": {"reversible": 3, "irreversible": 2},
        "moderate": {"reversible": 2, "irreversible": 1},
        "major": {"reversible": 2, "irreversible": 1},
        "severe": {"reversible": 1, "irreversible": 1},
    }
