"""What the HTTP channels share: Retry-After, URL redaction, and no secret in any log line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from blastwall.notify.channels._http import redact_url, retry_after_s
from blastwall.notify.channels.base import Rejected
from blastwall.notify.channels.slack import SlackChannel
from blastwall.notify.channels.webhook import WebhookChannel
from tests.notify.channels.conftest import WEBHOOK_SECRET
from tests.notify.channels.factories import make_message
from tests.receivers.slack import TOKEN_PATH, SlackReceiver
from tests.receivers.webhook import WebhookReceiver

NOW = datetime(2026, 12, 6, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("Sun, 06 Dec 2026 19:31:30 GMT", 90.0),
        ("Sun, 06 Dec 2026 19:00:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_or_an_http_date(header: str | None, expected: float) -> None:
    assert retry_after_s(header, now=NOW) == expected


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0/B0/secret", "https://hooks.slack.com/…"),
        ("https://ops.example:8443/hook?token=abc", "https://ops.example:8443/…"),
        ("http://user:pw@10.0.0.5/", "http://10.0.0.5"),
        ("https://events.pagerduty.com", "https://events.pagerduty.com"),
    ],
)
def test_redacted_url_keeps_only_scheme_host_and_port(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_no_log_line_carries_a_webhook_url_or_signing_secret(
    caplog: pytest.LogCaptureFixture, slack: SlackReceiver, webhook: WebhookReceiver
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_hook = webhook.hook_url + "?token=tok3n"
    webhook.fail_next(404)
    SlackChannel("ops", slack.webhook_url).send(make_message(), idempotency_key="k")
    WebhookChannel("bus", secret_hook, WEBHOOK_SECRET).send(make_message(), idempotency_key="k")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"POST {slack.url}/…" in logged
    assert f"POST {webhook.url}/…" in logged
    for secret in (TOKEN_PATH, "tok3n", WEBHOOK_SECRET):
        assert secret not in logged


def test_a_redirect_is_not_followed_with_the_signed_message(
    webhook: WebhookReceiver, slack: SlackReceiver
) -> None:
    webhook.fail_next(307, headers={"Location": slack.webhook_url})
    hook = WebhookChannel("bus", webhook.hook_url, WEBHOOK_SECRET)
    outcome = hook.send(make_message(), idempotency_key="k")
    assert outcome == Rejected(f"{webhook.url}/… answered 307")
    assert slack.requests == []
