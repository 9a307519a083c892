"""What each channel tells the communications ledger it sent: the exact body, never a secret."""

from __future__ import annotations

import json

from blastwall.notify.channels.email import EmailChannel
from blastwall.notify.channels.pagerduty import PagerDutyChannel
from blastwall.notify.channels.slack import SlackChannel
from blastwall.notify.channels.webhook import WebhookChannel
from tests.notify.channels.factories import ROUTING_KEY, make_message

SLACK_URL = "https://hooks.slack.com/services/T/B/X"


def test_slack_and_webhook_transcripts_are_the_exact_bodies_posted() -> None:
    message = make_message()
    slack = SlackChannel("ops", SLACK_URL)
    assert slack.transcript(message, idempotency_key="k") == json.dumps(slack.render(message))
    hook = WebhookChannel("hook", "https://hooks.example.com/in", "s" * 32)
    assert hook.transcript(message, idempotency_key="k") == json.dumps(
        hook.render(message, idempotency_key="k")
    )
    assert SLACK_URL not in slack.transcript(message, idempotency_key="k")


def test_the_pagerduty_transcript_hides_the_routing_key_and_skips_what_is_not_sent() -> None:
    pd = PagerDutyChannel("oncall", ROUTING_KEY, "https://events.example.com/v2/enqueue")
    body = json.loads(pd.transcript(make_message(), idempotency_key="k") or "{}")
    assert body == {**(pd.render(make_message()) or {}), "routing_key": "***"}
    late = make_message(event="lever.kill", status="resolved")
    assert pd.transcript(late, idempotency_key="k") is None


def test_the_email_transcript_is_the_subject_recipients_and_text_part() -> None:
    mail = EmailChannel("mail", smtp_host="127.0.0.1", sender="bw@example.com", to=["a@x.io"])
    message = make_message()
    rendered = mail.render(message, idempotency_key="k")
    text = rendered.get_body(("plain",))
    assert text is not None
    assert mail.transcript(message, idempotency_key="k") == (
        f"Subject: {rendered['Subject']}\nTo: a@x.io\n\n{text.get_content()}"
    )
