"""Paging end to end: a real server, a blastwall.yaml with a schedule and a policy, and the
local PagerDuty, Slack and SMTP receivers that check each payload as the real services do.

An incident opens -> the on-call person is paged by e-mail and Slack; nobody acknowledges ->
level 2 is paged on PagerDuty; the signed link acknowledges -> escalation stops and
PagerDuty's alert is acknowledged; resolving resolves the PagerDuty alert.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config_as_code.apply import apply_data
from blastwall.notify.message import Message
from blastwall.notify.models import Notification
from blastwall.paging.models import Escalation
from tests.conftest import make_token
from tests.notify.support import ADMIN
from tests.receivers.pagerduty import PagerDutyReceiver
from tests.receivers.slack import SlackReceiver
from tests.receivers.smtp import SmtpReceiver
from tests.tasks.servers import Server, eventually

Factory = sessionmaker[Session]
SERVICE_KEY, CEM_KEY = "s" * 32, "c" * 32
PUBLIC = "https://blastwall.example.com"


def document(smtp_port: int) -> dict[str, Any]:
    """A blastwall.yaml: ana on call by e-mail and Slack, cem on PagerDuty 0.02 min later."""
    return {
        "version": 1,
        "systems": [{"name": "support-bot", "owner": "ops", "risk_tier": "high",
                     "environments": ["prod"]}],
        "channels": [
            {"name": "mail", "type": "email", "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
             "starttls": False, "sender": "blastwall@example.com", "to": ["ops@example.com"]},
            {"name": "chat", "type": "slack", "webhook_url_env": "CHAT_URL"},
            {"name": "pd", "type": "pagerduty", "routing_key_env": "PD_SERVICE_KEY"},
        ],
        "oncall": {
            "people": [
                {"name": "ana", "display_name": "Ana Lima", "email": "ana@example.com",
                 "slack_user": "U0ANA1"},
                {"name": "cem", "pagerduty_routing_key_env": "PD_KEY_CEM"},
            ],
            "schedules": [{"name": "primary", "time_zone": "UTC", "layers": [
                {"people": ["ana"], "rotation": "weekly", "start": "2026-01-05"}]}],
            "escalation_policies": [{"name": "support", "levels": [
                {"targets": [{"schedule": "primary"}], "delay_minutes": 0.02},
                {"targets": [{"person": "cem"}], "delay_minutes": 60},
            ]}],
            "coverage": [{"policy": "support"}],
        },
    }  # fmt: skip


@pytest.fixture
def receivers() -> Iterator[tuple[PagerDutyReceiver, SlackReceiver, SmtpReceiver]]:
    with (
        PagerDutyReceiver(routing_keys={SERVICE_KEY, CEM_KEY}) as pd,
        SlackReceiver() as slack,
        SmtpReceiver() as smtp,
    ):
        yield pd, slack, smtp


def _ack_path(factory: Factory, incident_id: int) -> str:
    with factory() as session:
        row = session.scalar(
            select(Notification).where(
                Notification.incident_id == incident_id,
                Notification.recipient == "ana@example.com",
            )
        )
        assert row is not None
        return Message.from_json(row.message).links[0].href.removeprefix(PUBLIC)


def _escalation(factory: Factory, incident_id: int) -> Escalation:
    with factory() as session:
        row = session.scalar(select(Escalation).where(Escalation.incident_id == incident_id))
        assert row is not None
        return row


@pytest.mark.timeout(300)
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_page_escalate_acknowledge_resolve(
    database_url: str,
    session_factory: Factory,
    tmp_path: Path,
    receivers: tuple[PagerDutyReceiver, SlackReceiver, SmtpReceiver],
) -> None:
    pd, slack, smtp = receivers
    with session_factory() as session, session.begin():
        apply_data(session, document(smtp.port), actor=ADMIN)
    token = make_token(session_factory, "e2e", Role.admin)
    env = {
        "CHAT_URL": slack.webhook_url,
        "PD_SERVICE_KEY": SERVICE_KEY,
        "PD_KEY_CEM": CEM_KEY,
        "BLASTWALL_PAGERDUTY_EVENTS_URL": pd.events_url,
        "BLASTWALL_ACK_LINK_SECRET": "e" * 40,
        "BLASTWALL_PUBLIC_URL": PUBLIC,
        "BLASTWALL_ESCALATION_INTERVAL_S": "0.2",
        "BLASTWALL_ENGINE_ENABLED": "false",
    }
    server = Server(database_url, token, tmp_path / "server.log", **env)
    try:
        opened = server.http.post(
            "/api/v1/incidents",
            json={"title": "Refunds issued", "system": "support-bot", "harm": "major"},
        )
        incident_id = opened.raise_for_status().json()["id"]
        key = f"incident-{incident_id}"

        # Level 1: ana, by e-mail to her address and by a Slack mention.
        mail = eventually(lambda: list(smtp.received), bool, "ana's e-mail")[0]
        assert (mail.rcpt_tos, mail.message["To"]) == (["ana@example.com"], "ana@example.com")
        assert mail.message["Subject"].endswith("Refunds issued")
        chat = eventually(lambda: list(slack.messages), bool, "ana's Slack page")[0]
        assert chat["text"].startswith("<@U0ANA1> ")

        # Nobody acknowledges: after 1.2 s level 2 pages cem on his own PagerDuty key.
        events = eventually(lambda: pd.events(key), bool, "cem's PagerDuty page")
        assert [(e["event_action"], e["routing_key"]) for e in events] == [("trigger", CEM_KEY)]
        assert pd.state(key) == "triggered"
        assert _escalation(session_factory, incident_id).level == 2

        # Ana acknowledges from the link in her page: GET asks, POST acknowledges.
        path = _ack_path(session_factory, incident_id)
        asked = httpx.get(server.url + path, timeout=30)
        assert (asked.status_code, "Acknowledge as ana" in asked.text) == (200, True)
        assert httpx.post(server.url + path, timeout=30).status_code == 200
        row = _escalation(session_factory, incident_id)
        assert (row.stopped_why, row.next_escalation_at) == ("acknowledged by ana", None)
        eventually(lambda: pd.state(key), lambda s: s == "acknowledged", "PagerDuty acknowledged")
        incident = server.http.get(f"/api/v1/incidents/{incident_id}").json()
        assert incident["commander"] == "ana"

        for status in ("mitigated", "resolved"):
            moved = server.http.post(
                f"/api/v1/incidents/{incident_id}/transition", json={"to": status}
            )
            moved.raise_for_status()
        eventually(lambda: pd.state(key), lambda s: s == "resolved", "PagerDuty resolved")
        assert [e["event_action"] for e in pd.events(key)] == ["trigger", "acknowledge", "resolve"]
        assert {e["routing_key"] for e in pd.events(key)} == {CEM_KEY}
        assert len(smtp.received) == 1  # acknowledged: ana was never paged again
        assert "Traceback" not in server.output()
    finally:
        server.close()
