"""A page's recipient on each channel: e-mail To, Slack mention, a person's PagerDuty key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from blastwall.notify.channels import EmailChannel, SlackChannel
from blastwall.notify.channels.pagerduty import PagerDutyChannel
from blastwall.notify.dispatcher import Dispatcher
from blastwall.notify.message import Message
from blastwall.notify.outbox import idempotency_key
from tests.paging.factories import configure

PAGE = Message(
    event="incident.paged",
    key="incident-7",
    change_seq=41,
    at=datetime(2026, 3, 17, 12, 0, tzinfo=UTC),
    title="Refunds issued",
    summary="Ana Lima, you are paged (level 1)",
    incident_id=7,
    severity=1,
    status="detected",
    recipient="ana@example.com",
)


def test_email_page_goes_to_the_person_not_the_channel_list() -> None:
    channel = EmailChannel(
        "mail", smtp_host="127.0.0.1", sender="bw@example.com", to=["ops@example.com"]
    )
    assert channel.render(PAGE, idempotency_key="k")["To"] == "ana@example.com"
    routed = replace(PAGE, recipient=None)
    assert channel.render(routed, idempotency_key="k")["To"] == "ops@example.com"


def test_slack_page_mentions_the_person() -> None:
    body = SlackChannel("chat", "https://hooks.slack.com/services/T/B/x").render(
        replace(PAGE, recipient="U0ANA1")
    )
    assert body["text"].startswith("<@U0ANA1> ")
    assert body["blocks"][1] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "<@U0ANA1>, you are paged"},
    }


def test_idempotency_key_names_the_recipient_of_a_page() -> None:
    assert idempotency_key(41, "chat") == "blastwall-41-chat"
    assert idempotency_key(41, "chat", "U0ANA1") == "blastwall-41-chat-U0ANA1"


def test_person_pagerduty_page_uses_the_persons_routing_key(
    session_factory: sessionmaker[Session],
) -> None:
    configure(session_factory)
    dispatcher = Dispatcher(session_factory)
    own = dispatcher._channel("pd-ops", "PD_KEY_CEM")
    service = dispatcher._channel("pd-ops")
    assert isinstance(own, PagerDutyChannel)
    assert isinstance(service, PagerDutyChannel)
    page = replace(PAGE, recipient="PD_KEY_CEM")
    assert (own.render(page) or {})["routing_key"] == "c" * 32
    assert (service.render(page) or {})["routing_key"] == "o" * 32
