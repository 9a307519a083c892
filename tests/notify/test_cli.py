"""`blastwall notify list|retry|channels` against a live server."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.notify.models import Notification
from tests.conftest import make_token
from tests.notify.support import configure, open_incident
from tests.traces.factories import live_cli


def test_list_failed_as_json_then_retry_and_channels(
    client: TestClient,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOOK_URL", raising=False)
    with session_factory() as session, session.begin():
        configure(session)
        open_incident(session)
        open_incident(session)
        session.execute(
            update(Notification)
            .where(Notification.id == 2)
            .values(status="failed", attempts=1, last_error="rejected: HTTP 400")
        )
    rita = make_token(session_factory, "rita", Role.responder)
    with live_cli(settings, engine, rita) as cli:
        listed = cli("notify", "list", "--failed", "--json")
        assert listed.exit_code == 0, listed.output
        rows = json.loads(listed.stdout)
        assert [(r["id"], r["incident_id"], r["status"], r["last_error"]) for r in rows] == [
            (2, 2, "failed", "rejected: HTTP 400")
        ]
        by_incident = json.loads(cli("notify", "list", "--incident", "1", "--json").stdout)
        assert [(r["id"], r["status"]) for r in by_incident] == [(1, "pending")]

        retried = cli("notify", "retry", "2")
        assert retried.exit_code == 0, retried.output
        assert retried.stdout.strip() == "Queued notification #2 to hook again."
        again = cli("notify", "retry", "2")
        assert again.exit_code == 1
        assert "notification 2 is pending, not failed" in again.output

        shown = json.loads(cli("notify", "channels", "--json").stdout)
        assert [(c["name"], c["enabled"], c["problem"]) for c in shown] == [
            ("hook", False, "environment variable HOOK_URL is not set on the server")
        ]
