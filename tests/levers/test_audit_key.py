"""BLASTWALL_AUDIT_HMAC_KEY: the server keys every entry it writes and verifies with it."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import Engine

from blastwall.changes.audit import key_id
from blastwall.config import Settings
from blastwall.server.app import create_app

KEY = "0123456789abcdef" * 4


def keyed_client(settings: Settings, engine: Engine, key: str | None) -> TestClient:
    secret = SecretStr(key) if key is not None else None
    return TestClient(create_app(settings.model_copy(update={"audit_hmac_key": secret}), engine))


def test_server_with_a_key_writes_and_verifies_keyed_entries(
    settings: Settings, engine: Engine, admin_token: str
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    with keyed_client(settings, engine, KEY) as client:
        created = client.post(
            "/api/v1/tokens", json={"name": "ci-bot", "role": "viewer"}, headers=auth
        )
        assert created.status_code == 201
        entries = client.get("/api/v1/audit", headers=auth).json()["items"]
        # Entry 1 (the test's admin token) was written before the server had a key.
        assert [(e["seq"], e["scheme"]) for e in entries] == [
            (1, "sha256"),
            (2, f"hmac-sha256:{key_id(KEY.encode())}"),
        ]
        verified = client.get("/api/v1/audit/verify", headers=auth).json()
        assert (verified["ok"], verified["keyed_from_seq"]) == (True, 2)
    with keyed_client(settings, engine, "f" * 32) as client:
        wrong = client.get("/api/v1/audit/verify", headers=auth).json()
        assert (wrong["ok"], wrong["first_broken_seq"]) == (False, 2)
        assert wrong["problem"].startswith(
            f"it was written with audit key id {key_id(KEY.encode())}, but "
            "BLASTWALL_AUDIT_HMAC_KEY has key id"
        )
    with keyed_client(settings, engine, None) as client:
        missing = client.get("/api/v1/audit/verify", headers=auth).json()
        assert missing["problem"] == (
            f"it is keyed (audit key id {key_id(KEY.encode())}) but BLASTWALL_AUDIT_HMAC_KEY is "
            "not set on the server: set it to the key the log was written with to verify"
        )


def test_server_started_without_the_logs_key_says_so(
    settings: Settings, engine: Engine, admin_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    auth = {"Authorization": f"Bearer {admin_token}"}
    with keyed_client(settings, engine, KEY) as client:
        client.post("/api/v1/tokens", json={"name": "ci-bot", "role": "viewer"}, headers=auth)
    with caplog.at_level(logging.WARNING, logger="blastwall.server.app"):
        keyed_client(settings, engine, KEY)
        assert caplog.messages == []
        keyed_client(settings, engine, None)
    assert caplog.messages == [
        f"the audit log is keyed with key id {key_id(KEY.encode())}, but this process has no "
        "key: set BLASTWALL_AUDIT_HMAC_KEY to the key the log was written with, or "
        "`blastwall audit verify` will report the entries written from now on"
    ]


def test_a_short_key_is_refused_with_how_to_make_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLASTWALL_AUDIT_HMAC_KEY", "hunter2")
    with pytest.raises(ValidationError) as raised:
        Settings()
    assert raised.value.errors()[0]["msg"] == (
        "Value error, BLASTWALL_AUDIT_HMAC_KEY must be at least 32 characters (got 7); "
        "generate one with `openssl rand -hex 32`"
    )
    assert "hunter2" not in str(raised.value)


def test_an_empty_key_means_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLASTWALL_AUDIT_HMAC_KEY", "")
    assert Settings().audit_key() is None
    monkeypatch.setenv("BLASTWALL_AUDIT_HMAC_KEY", KEY)
    assert Settings().audit_key() == KEY.encode()
