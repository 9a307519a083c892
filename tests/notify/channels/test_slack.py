"""Slack incoming webhooks: the exact Block Kit message, Slack's answers, the URL kept secret."""

from __future__ import annotations

import httpx
import pytest

from blastwall.notify.channels.base import Delivered, Rejected, RetryLater
from blastwall.notify.channels.slack import SlackChannel
from blastwall.notify.message import Link
from tests.notify.channels.factories import make_message
from tests.receivers.slack import TOKEN_PATH, SlackReceiver, block_problems

EXPECTED_BLOCKS = [
    {
        "type": "header",
        "text": {"type": "plain_text", "text": "Incident opened: answers leak PII"},
    },
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "The bot quoted &lt;other&gt; customers' e-mails &amp; phones. "
            "&lt;!channel&gt;",
        },
    },
    {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Severity*\nSEV1"},
            {"type": "mrkdwn", "text": "*System*\nsupport-bot (prod)"},
            {"type": "mrkdwn", "text": "*Status*\ndetected"},
            {"type": "mrkdwn", "text": "*Levers pulled*\nkill:support-bot"},
            {"type": "mrkdwn", "text": "*Commander*\nana"},
            {"type": "mrkdwn", "text": "*Next update due*\n2026-12-06 20:00 UTC"},
        ],
    },
    {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "incident.opened by monitor:pii-rate · 2026-12-06 19:30 UTC",
            }
        ],
    },
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open incident 42"},
                "url": "https://blastwall.example/incidents/42",
            }
        ],
    },
]


def test_message_renders_text_fallback_and_block_kit_facts() -> None:
    body = SlackChannel("ops", "https://hooks.slack.com/services/T/B/X").render(make_message())
    assert body == {
        "text": "SEV1 support-bot: Incident opened: answers leak PII",
        "blocks": EXPECTED_BLOCKS,
    }
    assert block_problems(body["blocks"]) == []


def test_unknown_facts_are_said_and_no_button_without_a_link() -> None:
    bare = make_message(
        severity=None,
        system=None,
        status=None,
        commander=None,
        levers=[],
        next_update_due=None,
        actor=None,
        links=[],
        summary="",
    )
    body = SlackChannel("ops", "https://hooks.slack.com/services/T/B/X").render(bare)
    assert body["text"] == "SEV?: Incident opened: answers leak PII"
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]
    assert [f["text"] for f in body["blocks"][1]["fields"]] == [
        "*Severity*\n—",
        "*System*\n—",
        "*Status*\n—",
        "*Levers pulled*\nnone",
        "*Commander*\nnobody yet",
        "*Next update due*\n—",
    ]
    assert body["blocks"][2]["elements"][0]["text"] == "incident.opened · 2026-12-06 19:30 UTC"


def test_markup_in_the_title_cannot_ping_or_link_from_the_fallback_text() -> None:
    message = make_message(title="<!here> see <https://evil.example|docs> & more")
    body = SlackChannel("ops", "https://hooks.slack.com/services/T/B/X").render(message)
    assert body["text"] == (
        "SEV1 support-bot: &lt;!here&gt; see &lt;https://evil.example|docs&gt; &amp; more"
    )
    assert body["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "<!here> see <https://evil.example|docs> & more",
    }


def test_only_http_links_become_buttons() -> None:
    links = [Link("javascript:alert(1)", "x"), Link("https://blastwall.example/i/42", "Open")]
    body = SlackChannel("ops", "https://hooks.slack.com/services/T/B/X").render(
        make_message(links=links)
    )
    assert body["blocks"][-1]["elements"] == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open"},
            "url": "https://blastwall.example/i/42",
        }
    ]


def test_long_title_and_link_text_are_cut_to_block_kit_limits(slack: SlackReceiver) -> None:
    long = make_message(
        title="T" * 400, links=[Link(href="https://blastwall.example/i/42", text="L" * 100)]
    )
    channel = SlackChannel("ops", slack.webhook_url)
    body = channel.render(long)
    assert len(body["blocks"][0]["text"]["text"]) == 150
    assert len(body["blocks"][-1]["elements"][0]["text"]["text"]) == 75
    assert channel.send(long, idempotency_key="7:ops") == Delivered("200 ok")


def test_delivers_to_the_webhook_and_slack_keeps_the_message(slack: SlackReceiver) -> None:
    outcome = SlackChannel("ops", slack.webhook_url).send(make_message(), idempotency_key="7:ops")
    assert outcome == Delivered("200 ok")
    assert [m["blocks"] for m in slack.messages] == [EXPECTED_BLOCKS]
    assert slack.requests[0].headers["content-type"] == "application/json"


def test_unknown_webhook_is_rejected_and_the_token_never_shows(slack: SlackReceiver) -> None:
    wrong = slack.url + "/services/T0BLASTWAL/B0RECEIVER/revokedtoken0000"
    outcome = SlackChannel("ops", wrong).send(make_message(), idempotency_key="7:ops")
    assert outcome == Rejected(f"{slack.url}/… answered 404: no_service")


def test_a_payload_slack_refuses_is_rejected_with_its_error(slack: SlackReceiver) -> None:
    slack.fail_next(400, body=b"invalid_blocks")
    outcome = SlackChannel("ops", slack.webhook_url).send(make_message(), idempotency_key="k")
    assert outcome == Rejected(f"{slack.url}/… answered 400: invalid_blocks")


def test_archived_channel_is_rejected() -> None:
    with SlackReceiver(archived=True) as slack:
        outcome = SlackChannel("ops", slack.webhook_url).send(make_message(), idempotency_key="k")
    assert outcome == Rejected(f"{slack.url}/… answered 410: channel_is_archived")


@pytest.mark.parametrize(
    ("status", "body", "retry_after", "expected_after"),
    [(429, b"rate_limited", "30", 30.0), (500, b"", None, None), (503, b"", "2", 2.0)],
)
def test_rate_limits_and_outages_are_retried(
    slack: SlackReceiver,
    status: int,
    body: bytes,
    retry_after: str | None,
    expected_after: float | None,
) -> None:
    slack.fail_next(status, body=body, retry_after=retry_after)
    outcome = SlackChannel("ops", slack.webhook_url).send(make_message(), idempotency_key="k")
    said = f": {body.decode()}" if body else ""
    assert outcome == RetryLater(f"{slack.url}/… answered {status}{said}", expected_after)
    assert slack.messages == []


def test_connection_refused_error_does_not_carry_the_webhook_token(refused_url: str) -> None:
    outcome = SlackChannel("ops", refused_url + TOKEN_PATH).send(
        make_message(), idempotency_key="k"
    )
    assert outcome == RetryLater(f"could not reach {refused_url}/… (ConnectError)")


def test_a_webhook_url_that_is_not_http_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="must be an http"):
        SlackChannel("ops", "hooks.slack.com/services/T/B/X")


def test_receiver_block_rules_match_slack_limits() -> None:
    header = [{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}]
    eleven_fields = [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11}]
    long_text = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert block_problems(header) == ["block 0: text must be plain_text"]
    assert block_problems(eleven_fields) == ["block 0: section fields: 1 to 10 text objects"]
    assert block_problems([{"type": "divider"}] * 51) == ["51 blocks; at most 50"]
    assert block_problems(long_text) == ["block 0: text is 3001 characters; at most 3000"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not json", (400, "invalid_payload")),
        (b'{"blocks": [{"type": "divider"}]}', (400, "no_text")),
        (b'{"text": "x", "blocks": [{"type": "x"}]}', (400, "invalid_blocks")),
        (b'{"text": "x"}', (200, "ok")),
    ],
)
def test_receiver_answers_as_slack_does(
    slack: SlackReceiver, content: bytes, expected: tuple[int, str]
) -> None:
    answer = httpx.post(slack.webhook_url, content=content)
    assert (answer.status_code, answer.text) == expected
