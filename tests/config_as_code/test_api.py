"""POST /api/v1/apply: admins preview and apply blastwall.yaml; mistakes come back as 422."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config_as_code.loader import load_document
from tests.config_as_code.factories import EXAMPLE
from tests.conftest import make_token


def document() -> dict[str, Any]:
    return load_document(EXAMPLE)


def test_dry_run_then_apply_then_nothing_left_to_do(client: TestClient) -> None:
    preview = client.post("/api/v1/apply", json={"document": document(), "dry_run": True})
    assert preview.status_code == 200
    body = preview.json()
    assert body["applied"] is False
    assert body["summary"] == "50 to create, 1 to update, 0 to delete, 0 unchanged"
    assert body["plan"][4] == {
        "action": "create",
        "kind": "action",
        "name": "support-agent/issue_refund",
        "changes": {
            "reversible": [None, False],
            "description": [
                None,
                "Refunds the order through the payments API; money sent cannot be recalled.",
            ],
        },
    }
    assert client.get("/api/v1/systems/support-agent").status_code == 404

    applied = client.post("/api/v1/apply", json={"document": document()})
    assert applied.status_code == 200
    assert applied.json()["applied"] is True
    assert applied.json()["plan"] == body["plan"]
    system = client.get("/api/v1/systems/support-agent").json()
    assert system["risk_tier"] == "high"
    assert system["environments"] == ["staging", "prod"]

    again = client.post("/api/v1/apply", json={"document": document()}).json()
    assert {step["action"] for step in again["plan"]} == {"unchanged"}
    assert again["summary"] == "0 to create, 0 to update, 0 to delete, 50 unchanged"


def test_invalid_document_is_422_naming_each_key(client: TestClient) -> None:
    bad = document()
    bad["systems"][0]["risk_tier"] = "extreme"
    bad["systems"][0]["actions"][3]["reversible"] = "no"
    response = client.post("/api/v1/apply", json={"document": bad})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "file": None,
            "line": None,
            "path": "systems[0].actions[3].reversible",
            "message": "expected true or false, got the text 'no'",
        },
        {
            "file": None,
            "line": None,
            "path": "systems[0].risk_tier",
            "message": "'extreme' is not one of low, medium, high, critical",
        },
    ]
    assert client.get("/api/v1/systems/support-agent").status_code == 404


def test_a_refusal_at_plan_time_changes_nothing(client: TestClient) -> None:
    bad = document()
    assert bad["authority"] is not None
    bad["authority"]["rules"][0]["systems"] = ["suport-agent"]
    response = client.post("/api/v1/apply", json={"document": bad})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "the configuration has 1 problem: authority.rules[0].systems[0]: 'suport-agent' is "
        "neither declared under systems nor known to Blastwall: fix the name, declare the "
        "system, or use '*'"
    )
    assert client.get("/api/v1/systems/support-agent").status_code == 404


def test_only_admins_may_apply(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    commander = make_token(session_factory, "cora", Role.commander)
    response = app_client.post(
        "/api/v1/apply",
        json={"document": document(), "dry_run": True},
        headers={"Authorization": f"Bearer {commander}"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "cora has role commander; this needs admin or higher"


def test_request_body_must_hold_a_document(client: TestClient) -> None:
    response = client.post("/api/v1/apply", json={"dry_run": True, "docment": {}})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["document", "docment"]
