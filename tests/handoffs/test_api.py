"""The human queue over the API: the SDK enqueues, one responder claims, then resolves."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from tests.conftest import make_token
from tests.traces.factories import SYSTEM, register_system


@pytest.fixture
def tokens(session_factory: sessionmaker[Session]) -> dict[str, str]:
    """The SDK's viewer token, two responders and a commander."""
    register_system(session_factory)
    register_system(session_factory, "search-assistant")
    return {
        name: make_token(session_factory, name, role)
        for name, role in [
            ("sdk", Role.viewer),
            ("remy", Role.responder),
            ("rita", Role.responder),
            ("cora", Role.commander),
        ]
    }


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def handoff_body(**overrides: Any) -> dict[str, Any]:
    """What the SDK sends (docs/sdk.md, 'Handoffs and approvals')."""
    body: dict[str, Any] = {
        "system": SYSTEM,
        "environment": "production",
        "trace_id": "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
        "user_id": "u-42",
        "input": "I was charged twice, refund one please",
        "reason": "human_fallback",
        "context": {"release": "r12", "attributes": {}},
    }
    return body | overrides


def _enqueue(client: TestClient, tokens: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/handoffs", json=handoff_body(**overrides), headers=_as(tokens["sdk"])
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_sdk_enqueues_and_a_responder_claims_then_resolves(
    app_client: TestClient, tokens: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    created = _enqueue(app_client, tokens)
    assert (created["id"], created["status"], created["created_by"]) == (1, "open", "sdk")
    assert created["input"] == "I was charged twice, refund one please"
    assert created["context"] == {"release": "r12", "attributes": {}}

    claimed = app_client.post("/api/v1/handoffs/1/claim", headers=_as(tokens["remy"])).json()
    assert (claimed["status"], claimed["claimed_by"]) == ("claimed", "remy")
    assert claimed["claimed_at"] is not None

    resolved = app_client.post(
        "/api/v1/handoffs/1/resolve",
        json={"resolution": "Refunded the duplicate charge"},
        headers=_as(tokens["remy"]),
    ).json()
    assert (resolved["status"], resolved["resolved_by"], resolved["resolution"]) == (
        "resolved",
        "remy",
        "Refunded the duplicate charge",
    )
    with session_factory() as session:
        query = select(AuditEntry).where(AuditEntry.action.not_like("token.%"))
        entries = session.scalars(query.order_by(AuditEntry.seq)).all()
        assert [(e.actor, e.action, e.target) for e in entries] == [
            ("remy", "handoff.claim", "handoff/1"),
            ("remy", "handoff.resolve", "handoff/1"),
        ]


def test_claiming_a_claimed_handoff_is_a_conflict_naming_the_holder(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    _enqueue(app_client, tokens)
    assert app_client.post("/api/v1/handoffs/1/claim", headers=_as(tokens["remy"])).is_success
    second = app_client.post("/api/v1/handoffs/1/claim", headers=_as(tokens["rita"]))
    assert second.status_code == 409
    assert second.json()["detail"] == (
        "handoff 1 is already claimed by remy; pick an open one with "
        "`blastwall handoff list --status open`"
    )
    again = app_client.post("/api/v1/handoffs/1/claim", headers=_as(tokens["remy"]))
    assert again.status_code == 409
    assert again.json()["detail"].startswith("handoff 1 is already claimed by you;")


def test_viewers_cannot_claim_and_unknown_handoffs_are_404(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    _enqueue(app_client, tokens)
    refused = app_client.post("/api/v1/handoffs/1/claim", headers=_as(tokens["sdk"]))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "sdk has role viewer; this needs responder or higher"
    missing = app_client.post("/api/v1/handoffs/99/claim", headers=_as(tokens["remy"]))
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no handoff 99; `blastwall handoff list` shows the queue"
    assert app_client.get("/api/v1/handoffs/99", headers=_as(tokens["sdk"])).status_code == 404


def test_only_the_claimer_or_a_commander_resolves(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    _enqueue(app_client, tokens)
    body = {"resolution": "Answered by phone"}
    unclaimed = app_client.post(
        "/api/v1/handoffs/1/resolve", json=body, headers=_as(tokens["remy"])
    )
    assert unclaimed.status_code == 409
    assert unclaimed.json()["detail"] == (
        "handoff 1 is open; claim it first with `blastwall handoff claim 1`"
    )
    app_client.post("/api/v1/handoffs/1/claim", headers=_as(tokens["remy"]))
    other = app_client.post("/api/v1/handoffs/1/resolve", json=body, headers=_as(tokens["rita"]))
    assert other.status_code == 403
    assert other.json()["detail"] == (
        "handoff 1 is claimed by remy; only they or a commander may resolve it"
    )
    by_commander = app_client.post(
        "/api/v1/handoffs/1/resolve", json=body, headers=_as(tokens["cora"])
    )
    assert by_commander.json()["resolved_by"] == "cora"
    twice = app_client.post("/api/v1/handoffs/1/resolve", json=body, headers=_as(tokens["cora"]))
    assert twice.status_code == 409
    assert twice.json()["detail"] == "handoff 1 was already resolved by cora"


def test_list_filters_by_status_and_system_oldest_first(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    _enqueue(app_client, tokens)
    _enqueue(app_client, tokens, system="search-assistant")
    _enqueue(app_client, tokens)
    app_client.post("/api/v1/handoffs/3/claim", headers=_as(tokens["remy"]))
    viewer = _as(tokens["sdk"])

    def ids(**params: str) -> list[int]:
        return [
            h["id"]
            for h in app_client.get("/api/v1/handoffs", params=params, headers=viewer).json()[
                "items"
            ]
        ]

    assert ids() == [1, 2, 3]
    assert ids(status="open") == [1, 2]
    assert ids(status="open", system=SYSTEM) == [1]
    assert ids(status="claimed") == [3]
    bad = app_client.get("/api/v1/handoffs", params={"status": "done"}, headers=viewer)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


def test_bad_enqueue_names_the_field_and_the_fix(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    sdk = _as(tokens["sdk"])
    unknown = app_client.post("/api/v1/handoffs", json=handoff_body(system="nope"), headers=sdk)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == (
        "system: 'nope' is not registered; register it or fix the system name the SDK is "
        "configured with"
    )
    extra = app_client.post("/api/v1/handoffs", json=handoff_body(priority=1), headers=sdk)
    assert extra.status_code == 422
    assert extra.json()["errors"] == [
        {"field": "priority", "message": "Extra inputs are not permitted"}
    ]
