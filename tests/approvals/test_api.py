"""The action gate over the API: the SDK asks and polls, a responder approves or denies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.approvals.models import ApprovalRequest
from blastwall.changes.models import AuditEntry
from blastwall.db.base import utcnow
from tests.conftest import make_token
from tests.traces.factories import SYSTEM, register_system


@pytest.fixture
def tokens(session_factory: sessionmaker[Session]) -> dict[str, str]:
    register_system(session_factory)
    register_system(session_factory, "payments-agent")
    return {
        name: make_token(session_factory, name, role)
        for name, role in [("sdk", Role.viewer), ("remy", Role.responder), ("rita", Role.responder)]
    }


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def approval_body(**overrides: Any) -> dict[str, Any]:
    """What the SDK sends for an irreversible action without a validator (docs/sdk.md)."""
    body: dict[str, Any] = {
        "system": SYSTEM,
        "environment": "production",
        "trace_id": "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
        "action": "issue_refund",
        "arguments": {"order": 1234, "amount": 30.0},
        "reason": "irreversible action without a validator",
    }
    return body | overrides


def _ask(client: TestClient, tokens: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/approvals", json=approval_body(**overrides), headers=_as(tokens["sdk"])
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_sdk_asks_and_polls_until_a_responder_approves(
    app_client: TestClient, tokens: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    created = _ask(app_client, tokens)
    assert (created["id"], created["status"], created["reason"], created["decided_by"]) == (
        1,
        "pending",
        None,
        None,
    )
    assert created["request_reason"] == "irreversible action without a validator"
    assert created["requested_by"] == "sdk"
    polled = app_client.get("/api/v1/approvals/1", headers=_as(tokens["sdk"])).json()
    assert polled["status"] == "pending"

    approved = app_client.post(
        "/api/v1/approvals/1/approve",
        json={"reason": "refund matches the duplicate charge"},
        headers=_as(tokens["remy"]),
    ).json()
    assert (approved["status"], approved["decided_by"], approved["reason"]) == (
        "approved",
        "remy",
        "refund matches the duplicate charge",
    )
    polled = app_client.get("/api/v1/approvals/1", headers=_as(tokens["sdk"])).json()
    assert (polled["status"], polled["decided_by"]) == ("approved", "remy")
    with session_factory() as session:
        # The test's own tokens are audited too (token.create); this pins the approval's.
        query = select(AuditEntry).where(AuditEntry.action.not_like("token.%"))
        entry = session.scalars(query).one()
        assert (entry.actor, entry.action, entry.target, entry.reason) == (
            "remy",
            "approval.approve",
            "refund-classifier/issue_refund",
            "refund matches the duplicate charge",
        )
        assert entry.after == {
            "id": 1,
            "status": "approved",
            "environment": "production",
            "trace_id": "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
            "arguments": {"order": 1234, "amount": 30.0},
        }


def test_a_decided_request_cannot_be_decided_again(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    _ask(app_client, tokens)
    denied = app_client.post(
        "/api/v1/approvals/1/deny", json={"reason": "amount too high"}, headers=_as(tokens["rita"])
    )
    assert (denied.json()["status"], denied.json()["reason"]) == ("denied", "amount too high")
    late = app_client.post(
        "/api/v1/approvals/1/approve", json={"reason": "looks fine"}, headers=_as(tokens["remy"])
    )
    assert late.status_code == 409
    assert late.json()["detail"] == (
        "approval request 1 was already denied by rita: amount too high"
    )


def test_viewers_cannot_decide_and_a_reason_is_required(
    app_client: TestClient, tokens: dict[str, str]
) -> None:
    _ask(app_client, tokens)
    by_viewer = app_client.post(
        "/api/v1/approvals/1/approve", json={"reason": "ok"}, headers=_as(tokens["sdk"])
    )
    assert by_viewer.status_code == 403
    assert by_viewer.json()["detail"] == "sdk has role viewer; this needs responder or higher"
    no_reason = app_client.post(
        "/api/v1/approvals/1/deny", json={"reason": ""}, headers=_as(tokens["remy"])
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    blank = app_client.post(
        "/api/v1/approvals/1/deny", json={"reason": "   "}, headers=_as(tokens["remy"])
    )
    assert blank.status_code == 422
    assert blank.json()["detail"].startswith("reason: empty; say why")


def test_unknown_request_is_404(app_client: TestClient, tokens: dict[str, str]) -> None:
    missing = app_client.get("/api/v1/approvals/7", headers=_as(tokens["sdk"]))
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "no approval request 7; `blastwall approvals list` shows them"
    )
    deny = app_client.post(
        "/api/v1/approvals/7/deny", json={"reason": "no"}, headers=_as(tokens["remy"])
    )
    assert deny.status_code == 404


def test_a_request_past_its_deadline_expires_and_cannot_be_approved(
    app_client: TestClient, tokens: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    created = _ask(app_client, tokens, timeout_s=30)
    _ask(app_client, tokens)
    assert created["expires_at"] is not None
    with session_factory() as session, session.begin():
        # The SDK's 30 s have passed.
        past = utcnow() - timedelta(seconds=1)
        session.execute(
            update(ApprovalRequest).where(ApprovalRequest.id == 1).values(expires_at=past)
        )
    viewer = _as(tokens["sdk"])
    pending = app_client.get("/api/v1/approvals", params={"status": "pending"}, headers=viewer)
    assert [a["id"] for a in pending.json()["items"]] == [2]
    expired = app_client.get("/api/v1/approvals", params={"status": "expired"}, headers=viewer)
    assert [(a["id"], a["status"]) for a in expired.json()["items"]] == [(1, "expired")]
    assert app_client.get("/api/v1/approvals/1", headers=viewer).json()["status"] == "expired"
    late = app_client.post(
        "/api/v1/approvals/1/approve", json={"reason": "ok"}, headers=_as(tokens["remy"])
    )
    assert late.status_code == 409
    assert "the SDK has already refused the action" in late.json()["detail"]


def test_list_filters_by_status_and_system(app_client: TestClient, tokens: dict[str, str]) -> None:
    _ask(app_client, tokens)
    _ask(app_client, tokens, system="payments-agent", action="wire_transfer")
    _ask(app_client, tokens)
    app_client.post(
        "/api/v1/approvals/3/approve", json={"reason": "ok"}, headers=_as(tokens["remy"])
    )
    viewer = _as(tokens["sdk"])

    def ids(**params: str) -> list[int]:
        found = app_client.get("/api/v1/approvals", params=params, headers=viewer).json()
        return [a["id"] for a in found["items"]]

    assert ids() == [1, 2, 3]
    assert ids(status="pending") == [1, 2]
    assert ids(status="pending", system="payments-agent") == [2]
    assert ids(status="approved") == [3]


def test_bad_request_names_the_field(app_client: TestClient, tokens: dict[str, str]) -> None:
    sdk = _as(tokens["sdk"])
    unknown = app_client.post("/api/v1/approvals", json=approval_body(system="ghost"), headers=sdk)
    assert unknown.status_code == 422
    assert unknown.json()["detail"].startswith("system: 'ghost' is not registered;")
    bad_action = app_client.post(
        "/api/v1/approvals", json=approval_body(action="issue refund"), headers=sdk
    )
    assert bad_action.status_code == 422
    assert bad_action.json()["errors"][0]["field"] == "action"
    bad_timeout = app_client.post(
        "/api/v1/approvals", json=approval_body(timeout_s=-5), headers=sdk
    )
    assert bad_timeout.json()["errors"] == [
        {"field": "timeout_s", "message": "Input should be greater than 0"}
    ]
