"""Idempotency-Key on the creates the SDK and CLI retry: a repeat returns the original."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.approvals.models import ApprovalRequest
from blastwall.exceptions import Conflict
from blastwall.handoffs.models import Handoff
from blastwall.handoffs.schemas import HandoffCreate
from blastwall.idempotency import service
from blastwall.idempotency.models import IdempotencyKey
from blastwall.incidents.models import Incident, TimelineEntry
from tests.approvals.test_api import approval_body
from tests.conftest import make_token
from tests.handoffs.test_api import handoff_body
from tests.incidents.factories import RESPONDER, incident_json
from tests.traces.factories import register_system

KEY = "5b0f3c9e-4a8e-4a43-9f0e-2f1c1d7a9e01"

# Each create the SDK or CLI may retry: (path, body factory, table, token role).
CREATES: dict[str, tuple[str, Any, Any]] = {
    "handoff": ("/api/v1/handoffs", handoff_body, Handoff),
    "approval": ("/api/v1/approvals", approval_body, ApprovalRequest),
    "incident": ("/api/v1/incidents", incident_json, Incident),
}


@pytest.fixture
def headers(session_factory: sessionmaker[Session]) -> dict[str, str]:
    register_system(session_factory)
    register_system(session_factory, "payments-agent")
    token = make_token(session_factory, "remy", Role.responder)
    return {"Authorization": f"Bearer {token}"}


def count(session_factory: sessionmaker[Session], table: Any) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def post(
    client: TestClient, kind: str, headers: dict[str, str], key: str | None, **overrides: Any
) -> Any:
    path, body, _ = CREATES[kind]
    extra = {} if key is None else {"Idempotency-Key": key}
    return client.post(path, json=body(**overrides), headers=headers | extra)


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_repeat_with_the_same_key_returns_the_original_and_creates_nothing(
    app_client: TestClient,
    headers: dict[str, str],
    session_factory: sessionmaker[Session],
    kind: str,
) -> None:
    first = post(app_client, kind, headers, KEY)
    again = post(app_client, kind, headers, KEY)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert count(session_factory, CREATES[kind][2]) == 1
    other = post(app_client, kind, headers, "another-key")
    assert other.status_code == 201
    assert other.json()["id"] == first.json()["id"] + 1
    without = post(app_client, kind, headers, None)
    assert without.status_code == 201
    assert count(session_factory, CREATES[kind][2]) == 3


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("handoff", {"input": "a different question"}),
        ("approval", {"arguments": {"amount": 999}}),
        ("incident", {"title": "another incident"}),
    ],
)
def test_the_same_key_with_another_body_is_refused_with_a_clear_error(
    app_client: TestClient,
    headers: dict[str, str],
    session_factory: sessionmaker[Session],
    kind: str,
    change: dict[str, Any],
) -> None:
    assert post(app_client, kind, headers, KEY).status_code == 201
    refused = post(app_client, kind, headers, KEY, **change)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"Idempotency-Key {KEY!r} was already used for a different {kind} request; "
        "send a new key for a new request, and the same body when retrying"
    )
    assert count(session_factory, CREATES[kind][2]) == 1


def test_an_incident_opened_twice_by_key_has_one_opened_timeline_entry(
    app_client: TestClient, headers: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    post(app_client, "incident", headers, KEY)
    post(app_client, "incident", headers, KEY)
    assert count(session_factory, TimelineEntry) == 1


def test_keys_are_scoped_by_kind(
    app_client: TestClient, headers: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    for kind in CREATES:
        assert post(app_client, kind, headers, KEY).status_code == 201
    with session_factory() as session:
        rows = session.execute(select(IdempotencyKey.kind, IdempotencyKey.key)).all()
    assert sorted(rows) == [("approval", KEY), ("handoff", KEY), ("incident", KEY)]


@pytest.mark.parametrize("key", ["", "has space", "é-not-ascii", "k" * 201])
def test_a_malformed_key_is_refused(
    app_client: TestClient,
    headers: dict[str, str],
    session_factory: sessionmaker[Session],
    key: str,
) -> None:
    path, body, _ = CREATES["handoff"]
    response = app_client.post(
        path, json=body(), headers=headers | {"Idempotency-Key": key.encode("utf-8")}
    )
    assert response.status_code == 422
    assert count(session_factory, Handoff) == 0


def test_a_racing_repeat_that_loses_the_unique_constraint_is_told_to_retry(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    register_system(session_factory)
    body = HandoffCreate.model_validate(handoff_body())

    def create_while_another_request_wins() -> Handoff:
        handoff = Handoff(**body.model_dump(), status="open", created_by="sdk")
        session.add(handoff)
        # The other request's key row lands between this one's check and its insert.
        session.add(
            IdempotencyKey(
                kind="handoff", key=KEY, request_hash="0" * 64, resource_id=1, created_by="sdk"
            )
        )
        session.flush()
        return handoff

    with pytest.raises(Conflict, match="another handoff request with Idempotency-Key"):
        service.once(
            session,
            kind="handoff",
            key=KEY,
            body=body,
            actor=RESPONDER,
            create=create_while_another_request_wins,
            load=lambda handoff_id: session.get_one(Handoff, handoff_id),
        )
