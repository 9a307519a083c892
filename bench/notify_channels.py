"""Cost of one delivery per channel type, against the local receivers the tests use.

For each channel: N sends of one message (render, sign, post, map the answer), and as the
baseline in the same run the same bytes posted with a bare ``httpx.Client`` (for e-mail:
the same rendered mail sent with a bare ``smtplib`` session). Prints p50/p99 in ms and the
ratio channel/baseline: the channel's own overhead on top of the wire.

    .venv/bin/python bench/notify_channels.py [--n 300]
"""

from __future__ import annotations

import argparse
import json
import smtplib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

# The receivers live with the tests (tests/receivers); the repository root makes them importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.notify.channels.factories import ROUTING_KEY, make_message
from tests.receivers.pagerduty import PagerDutyReceiver
from tests.receivers.slack import SlackReceiver
from tests.receivers.smtp import SmtpReceiver
from tests.receivers.webhook import WebhookReceiver

from blastwall.notify.channels import (
    EmailChannel,
    PagerDutyChannel,
    SlackChannel,
    WebhookChannel,
)
from blastwall.notify.channels.webhook import sign

SECRET = "bench-secret-0123456789abcdef0123"  # noqa: S105 - a throwaway local secret


def timed(n: int, call: Callable[[], object]) -> list[float]:
    """Milliseconds of ``n`` calls, after 10 untimed warm-up calls."""
    for _ in range(10):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def report(name: str, channel: list[float], baseline: list[float]) -> None:
    ratio = statistics.median(channel) / statistics.median(baseline)
    print(
        f"{name:10} channel p50 {statistics.median(channel):6.2f} ms p99 {p99(channel):6.2f} ms"
        f" | bare p50 {statistics.median(baseline):6.2f} ms p99 {p99(baseline):6.2f} ms"
        f" | ratio p50 {ratio:4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="sends per channel (default 300)")
    n = parser.parse_args().n
    message = make_message()
    bare = httpx.Client(timeout=10)
    json_headers = {"Content-Type": "application/json"}

    with PagerDutyReceiver() as pd:
        channel = PagerDutyChannel("bench", ROUTING_KEY, pd.events_url)
        body = json.dumps(channel.render(message)).encode()
        sent = timed(n, lambda: channel.send(message, idempotency_key="k"))
        base = timed(n, lambda: bare.post(pd.events_url, content=body, headers=json_headers))
        report("pagerduty", sent, base)

    with SlackReceiver() as slack:
        slack_channel = SlackChannel("bench", slack.webhook_url)
        body = json.dumps(slack_channel.render(message)).encode()
        sent = timed(n, lambda: slack_channel.send(message, idempotency_key="k"))
        base = timed(n, lambda: bare.post(slack.webhook_url, content=body, headers=json_headers))
        report("slack", sent, base)

    with WebhookReceiver(SECRET) as hook:
        hook_channel = WebhookChannel("bench", hook.hook_url, SECRET)
        body = json.dumps(hook_channel.render(message, idempotency_key="k")).encode()

        def bare_signed() -> None:
            headers = {
                "Content-Type": "application/cloudevents+json",
                "Blastwall-Signature": sign(SECRET, body, int(time.time())),
            }
            bare.post(hook.hook_url, content=body, headers=headers)

        sent = timed(n, lambda: hook_channel.send(message, idempotency_key="k"))
        base = timed(n, bare_signed)
        report("webhook", sent, base)

    with SmtpReceiver() as smtp:
        mail_channel = EmailChannel(
            "bench",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            sender="blastwall@example.com",
            to=["oncall@example.com"],
            starttls=False,
        )
        mail = mail_channel.render(message, idempotency_key="k")

        def bare_smtp() -> None:
            with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as session:
                session.send_message(mail)

        sent = timed(n, lambda: mail_channel.send(message, idempotency_key="k"))
        base = timed(n, bare_smtp)
        report("email", sent, base)


if __name__ == "__main__":
    main()
