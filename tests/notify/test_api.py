"""The notifications API: the outbox list (paged, filtered), one notification, retry, channels."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.notify import factory
from blastwall.notify.models import Notification
from tests.conftest import make_token
from tests.notify.support import configure, document, open_incident, post_channel

CHANNELS = [
    {"name": "hook", "type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
    {"name": "pager", "type": "pagerduty", "routing_key_env": "BW_TEST_UNSET_KEY"},
]


def _queue(factory: sessionmaker[Session], incidents: int = 1) -> None:
    with factory() as session, session.begin():
        configure(session)
        for _ in range(incidents):
            open_incident(session)


def _fail_all(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        session.execute(update(Notification).values(status="failed", last_error="HTTP 400"))


def test_list_pages_newest_first_and_filters_failed(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _queue(session_factory, incidents=3)
    first = client.get("/api/v1/notifications", params={"limit": 2}).json()
    assert [item["id"] for item in first["items"]] == [3, 2]
    rest = client.get(
        "/api/v1/notifications", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert ([item["id"] for item in rest["items"]], rest["next_cursor"]) == ([1], None)
    assert client.get("/api/v1/notifications", params={"status": "failed"}).json() == {
        "items": [],
        "next_cursor": None,
    }
    only = client.get("/api/v1/notifications", params={"incident_id": 2}).json()["items"]
    assert [(item["incident_id"], item["channel"], item["event"]) for item in only] == [
        (2, "hook", "incident.opened")
    ]


def test_retry_requeues_a_failed_notification_for_a_responder_only(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    _queue(session_factory)
    _fail_all(session_factory)
    viewer = make_token(session_factory, "vera", Role.viewer)
    responder = make_token(session_factory, "rita", Role.responder)
    refused = app_client.post(
        "/api/v1/notifications/1/retry", headers={"Authorization": f"Bearer {viewer}"}
    )
    assert refused.status_code == 403
    done = app_client.post(
        "/api/v1/notifications/1/retry", headers={"Authorization": f"Bearer {responder}"}
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["last_error"]) == ("pending", "HTTP 400")
    again = app_client.post(
        "/api/v1/notifications/1/retry", headers={"Authorization": f"Bearer {responder}"}
    )
    assert again.status_code == 409
    assert again.json()["detail"].startswith("notification 1 is pending, not failed")


def test_show_unknown_notification_is_404_saying_where_ids_are(client: TestClient) -> None:
    answer = client.get("/api/v1/notifications/99")
    assert answer.status_code == 404
    assert answer.json()["detail"] == (
        "notification 99 does not exist; `blastwall notify list` shows ids"
    )


def test_show_lists_attempts(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    _queue(session_factory)
    shown = client.get("/api/v1/notifications/1").json()
    assert (shown["status"], shown["attempts"], shown["attempt_log"]) == ("pending", 0, [])
    assert shown["message"]["title"] == "Refunds issued without approval"


def test_channels_say_which_are_disabled_and_never_show_a_secret(
    client: TestClient,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(factory.BUILDERS, "webhook", post_channel)
    monkeypatch.setenv("HOOK_URL", "http://127.0.0.1:9/hook?token=very-secret-token")
    monkeypatch.setenv("HOOK_SECRET", "hmac-secret-value")
    monkeypatch.delenv("BW_TEST_UNSET_KEY", raising=False)
    with session_factory() as session, session.begin():
        configure(session, document(channels=CHANNELS))
    answer = client.get("/api/v1/notifications/channels")
    assert answer.json() == {
        "items": [
            {
                "name": "hook",
                "type": "webhook",
                "enabled": True,
                "problem": None,
                "settings": {"url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"},
            },
            {
                "name": "pager",
                "type": "pagerduty",
                "enabled": False,
                "problem": "environment variable BW_TEST_UNSET_KEY is not set on the server",
                "settings": {"routing_key_env": "BW_TEST_UNSET_KEY"},
            },
        ],
        "next_cursor": None,
    }
    assert "very-secret-token" not in answer.text
    routes = client.get("/api/v1/notifications/routes").json()["items"]
    assert routes == [
        {
            "name": "incidents",
            "events": ["incident.opened", "incident.resolved"],
            "systems": [],
            "severities": [],
            "channels": ["hook"],
        }
    ]
