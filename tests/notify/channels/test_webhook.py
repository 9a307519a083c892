"""Generic webhook: the exact CloudEvent, its signature, dedup across retries, verification."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from blastwall.notify.channels.base import Delivered, Rejected, RetryLater
from blastwall.notify.channels.webhook import SignatureError, WebhookChannel, sign, verify
from tests.notify.channels.conftest import WEBHOOK_SECRET
from tests.notify.channels.factories import make_message
from tests.receivers.webhook import WebhookReceiver

NOW = 1_765_049_400  # 2025-12-06 19:30:00 UTC, a fixed clock
# The Channels section lives in notifications-channels.md until it is merged into
# notifications.md; the snippet is tested wherever it is.
DOCS = [
    Path(__file__).parents[3] / "docs" / n
    for n in ("notifications.md", "notifications-channels.md")
]


def channel(url: str, secret: str = WEBHOOK_SECRET, **options: object) -> WebhookChannel:
    return WebhookChannel("ops-bus", url, secret, **options)  # type: ignore[arg-type]


def test_message_renders_as_a_structured_cloudevent() -> None:
    message = make_message()
    event = channel("https://ops.example/hook").render(message, idempotency_key="7:ops-bus")
    assert event == {
        "specversion": "1.0",
        "id": "7:ops-bus",
        "source": "/blastwall",
        "type": "dev.blastwall.incident.opened",
        "time": "2026-12-06T19:30:00+00:00",
        "subject": "incidents/42",
        "datacontenttype": "application/json",
        "data": message.to_json(),
    }


def test_subject_is_the_message_key_without_an_incident() -> None:
    message = make_message(event="lever.kill", incident_id=None, key="lever-support-bot")
    event = channel("https://ops.example/hook").render(message, idempotency_key="k")
    assert (event["type"], event["subject"]) == ("dev.blastwall.lever.kill", "lever-support-bot")


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"id":"1"}'
    digest = hmac.new(b"s3cret", b"1765049400." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body, NOW) == f"t=1765049400,v1={digest}"


def test_delivery_is_signed_and_accepted_by_the_receiver(webhook: WebhookReceiver) -> None:
    outcome = channel(webhook.hook_url).send(make_message(), idempotency_key="7:ops-bus")
    assert outcome == Delivered('200 {"message": "accepted"}')
    [request] = webhook.requests
    assert request.headers["content-type"] == "application/cloudevents+json"
    header = request.headers["blastwall-signature"]
    sent_at = int(header.split(",")[0].removeprefix("t="))
    assert verify(WEBHOOK_SECRET, header, request.body, now=sent_at) == sent_at
    assert [e["id"] for e in webhook.events] == ["7:ops-bus"]


def test_retries_keep_the_event_id_so_the_receiver_keeps_one_copy(
    webhook: WebhookReceiver,
) -> None:
    webhook.fail_next(500, times=3)
    hook = channel(webhook.hook_url)
    outcomes = [hook.send(make_message(), idempotency_key="7:ops-bus") for _ in range(5)]
    assert outcomes[:3] == [RetryLater(f"{webhook.url}/… answered 500")] * 3
    assert outcomes[3:] == [Delivered('200 {"message": "accepted"}')] * 2
    ids = {json.loads(r.body)["id"] for r in webhook.requests}
    assert ids == {"7:ops-bus"}
    assert len(webhook.events) == 1
    assert webhook.duplicates == 1


def test_wrong_secret_is_refused_by_the_receiver_and_never_echoed(
    webhook: WebhookReceiver,
) -> None:
    outcome = channel(webhook.hook_url, secret="not-the-right-secret-at-all").send(
        make_message(), idempotency_key="k"
    )
    assert outcome == Rejected(
        f'{webhook.url}/… answered 401: {{"message": "signature does not match"}}'
    )
    assert webhook.events == []


def test_a_clock_far_off_is_refused_as_a_replay(webhook: WebhookReceiver) -> None:
    stale = channel(webhook.hook_url, clock=lambda: 1_000_000_000.0)
    outcome = stale.send(make_message(), idempotency_key="k")
    assert outcome == Rejected(
        f'{webhook.url}/… answered 401: {{"message": "signature timestamp outside the '
        'replay window"}'
    )


def test_rate_limit_with_an_http_date_is_honoured(webhook: WebhookReceiver) -> None:
    webhook.fail_next(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    outcome = channel(webhook.hook_url).send(make_message(), idempotency_key="k")
    assert outcome == RetryLater(f"{webhook.url}/… answered 429", 0.0)


def test_secret_in_a_receiver_echo_is_scrubbed(webhook: WebhookReceiver) -> None:
    webhook.fail_next(400, body=f"bad request from key {WEBHOOK_SECRET}".encode())
    outcome = channel(webhook.hook_url).send(make_message(), idempotency_key="k")
    assert outcome == Rejected(f"{webhook.url}/… answered 400: bad request from key ***")


def test_connection_refused_and_timeouts_are_retried(
    refused_url: str, webhook: WebhookReceiver
) -> None:
    refused = channel(refused_url + "/hook?token=abc").send(make_message(), idempotency_key="k")
    webhook.stall_next(2.0)
    slow = channel(webhook.hook_url, timeout_s=0.3).send(make_message(), idempotency_key="k")
    assert refused == RetryLater(f"could not reach {refused_url}/… (ConnectError)")
    assert slow == RetryLater(f"{webhook.url}/… did not answer in time")


@pytest.mark.parametrize("secret", ["", "short-secret"])
def test_a_webhook_without_a_strong_secret_is_refused_at_configuration(secret: str) -> None:
    with pytest.raises(ValueError, match="at least 16 characters") as caught:
        WebhookChannel("ops-bus", "https://ops.example/hook", secret)
    assert f"(got {len(secret)})" in str(caught.value)
    assert "short-secret" not in str(caught.value)


def _docs_verify() -> Callable[..., int]:
    """The verification snippet from the docs, run as users would paste it."""
    text = "".join(path.read_text() for path in DOCS if path.exists())
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    [snippet] = {b for b in blocks if "def verify" in b}
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation, under test
    verifier = namespace["verify"]
    assert callable(verifier)
    return verifier  # type: ignore[no-any-return]


@pytest.fixture(params=["shipped", "docs"])
def verifier(request: pytest.FixtureRequest) -> Callable[..., int]:
    return verify if request.param == "shipped" else _docs_verify()


BODY = b'{"specversion":"1.0","id":"7:ops-bus"}'


def test_verify_accepts_a_fresh_authentic_request(verifier: Callable[..., int]) -> None:
    header = sign("s3cret", BODY, NOW)
    assert verifier("s3cret", header, BODY, NOW + 299) == NOW
    assert verifier("s3cret", header, BODY, NOW - 299) == NOW


def test_verify_accepts_any_of_several_signatures_during_rotation(
    verifier: Callable[..., int],
) -> None:
    old = sign("old-secret", BODY, NOW)
    new_v1 = sign("s3cret", BODY, NOW).split(",")[1]
    assert verifier("s3cret", f"{old},{new_v1}", BODY, NOW) == NOW


REFUSED = {
    "tampered body": ("s3cret", None, BODY + b" ", NOW, "does not match"),
    "wrong secret": ("other", None, BODY, NOW, "does not match"),
    "old timestamp": ("s3cret", None, BODY, NOW + 301, "window"),
    "future timestamp": ("s3cret", None, BODY, NOW - 301, "window"),
    "no header": ("s3cret", "", BODY, NOW, "t=|malformed"),
    "no v1": ("s3cret", f"t={NOW}", BODY, NOW, "t=|malformed"),
    "two timestamps": ("s3cret", f"t={NOW},t=1,v1=00", BODY, NOW, "t=|malformed"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_verify_refuses(verifier: Callable[..., int], case: str) -> None:
    secret, header, body, now, reason = REFUSED[case]
    signed = sign("s3cret", BODY, NOW) if header is None else header
    with pytest.raises(ValueError, match=reason):
        verifier(secret, signed, body, now)


def test_shipped_verify_raises_a_signature_error_saying_why() -> None:
    with pytest.raises(SignatureError, match=r"1765049400, 301s from now: outside the 300s"):
        verify("s3cret", sign("s3cret", BODY, NOW), BODY, NOW + 301)
