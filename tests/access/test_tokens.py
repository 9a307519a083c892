"""API tokens: hashed at rest, roles enforced, clear errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service
from blastwall.access.enums import Role
from blastwall.access.models import ApiToken
from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Conflict, InvalidInput
from tests.conftest import SETUP_ACTOR, make_token


def test_token_secret_is_not_stored(session: Session) -> None:
    token, secret = service.create(session, name="alice", role=Role.responder, actor=SETUP_ACTOR)
    stored = session.scalar(select(ApiToken).where(ApiToken.name == "alice"))
    assert stored is token
    assert secret.startswith("bw_")
    assert secret not in (stored.token_hash, stored.prefix)
    assert service.authenticate(session, secret).role is Role.responder


def test_duplicate_name_and_bad_role_are_refused(session: Session) -> None:
    service.create(session, name="alice", role="viewer", actor=SETUP_ACTOR)
    with pytest.raises(Conflict, match="a token named 'alice' exists"):
        service.create(session, name="alice", role="viewer", actor=SETUP_ACTOR)
    with pytest.raises(InvalidInput, match="role 'boss' is unknown: choose one of alerts, viewer"):
        service.create(session, name="bob", role="boss", actor=SETUP_ACTOR)
    with pytest.raises(InvalidInput, match="token name 'Bob Smith' is invalid"):
        service.create(session, name="Bob Smith", role="viewer", actor=SETUP_ACTOR)


def test_api_requires_a_valid_token(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("missing API token")
    bad = app_client.get("/api/v1/whoami", headers={"Authorization": "Bearer bw_nope"})
    assert bad.status_code == 401


def test_viewer_cannot_create_tokens(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    viewer = make_token(session_factory, "val", Role.viewer)
    response = app_client.post(
        "/api/v1/tokens",
        json={"name": "x", "role": "admin"},
        headers={"Authorization": f"Bearer {viewer}"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "val has role viewer; this needs admin or higher"


def test_admin_creates_and_revokes_token(client: TestClient) -> None:
    created = client.post("/api/v1/tokens", json={"name": "ci-bot", "role": "responder"})
    assert created.status_code == 201
    secret = created.json()["token"]
    who = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert who.json() == {"name": "ci-bot", "role": "responder"}
    assert client.delete("/api/v1/tokens/ci-bot").status_code == 200
    again = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401


def _audited(session_factory: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with session_factory() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(e.seq, e.actor, e.role, e.action, e.target, e.before, e.after) for e in rows]


def test_token_create_and_revoke_are_audited_with_the_acting_admin(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    created = client.post("/api/v1/tokens", json={"name": "ci-bot", "role": "admin"}).json()
    client.delete("/api/v1/tokens/ci-bot")
    client.delete("/api/v1/tokens/ci-bot")  # already revoked: nothing changes, nothing audited
    root_prefix = client.get("/api/v1/tokens").json()["items"][0]["prefix"]
    assert _audited(session_factory) == [
        (
            1,
            "test-setup",
            "admin",
            "token.create",
            "root",
            None,
            {"role": "admin", "prefix": root_prefix},
        ),
        (
            2,
            "root",
            "admin",
            "token.create",
            "ci-bot",
            None,
            {"role": "admin", "prefix": created["prefix"]},
        ),
        (
            3,
            "root",
            "admin",
            "token.revoke",
            "ci-bot",
            {"role": "admin", "revoked": False},
            {"role": "admin", "revoked": True},
        ),
    ]
    assert client.get("/api/v1/audit/verify").json()["ok"] is True


def test_refused_token_changes_write_no_audit_entry(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    assert client.post("/api/v1/tokens", json={"name": "root", "role": "viewer"}).status_code == 409
    assert client.delete("/api/v1/tokens/nobody").status_code == 404
    assert [row[3:5] for row in _audited(session_factory)] == [("token.create", "root")]


def test_bad_token_body_names_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/tokens", json={"name": "ok", "role": "king"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"
