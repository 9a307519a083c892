"""A generic webhook: one CloudEvents 1.0 event in structured JSON mode, signed.

The event's ``id`` is the delivery's idempotency key, stable across retries, so a receiver
deduplicates on ``source`` + ``id`` as the CloudEvents spec says. The body is signed with
HMAC-SHA256 in the ``Blastwall-Signature`` header::

    Blastwall-Signature: t=1764000000,v1=<64 hex digits>

where ``v1`` is ``hex(hmac_sha256(secret, f"{t}.".encode() + body))``. Signing the time
with the body lets a receiver refuse a replayed request older than its window
(:data:`DEFAULT_TOLERANCE_S`); :func:`verify` does both checks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from blastwall.notify.channels import _http
from blastwall.notify.channels._render import rfc3339
from blastwall.notify.channels.base import Outcome
from blastwall.notify.message import Message

SIGNATURE_HEADER = "Blastwall-Signature"
CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "dev.blastwall."
DEFAULT_SOURCE = "/blastwall"
# Five minutes: room for clock skew and a slow proxy, short enough that a captured request
# cannot be replayed later.
DEFAULT_TOLERANCE_S = 300.0
# 16 characters of `openssl rand -hex` are 64 bits: fewer could be guessed from one request.
MIN_SECRET_LENGTH = 16


class SignatureError(ValueError):
    """A webhook request whose signature does not prove it came from Blastwall just now."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Blastwall-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """Check a received ``Blastwall-Signature`` against the raw request ``body``.

    Returns the signed timestamp; raises :class:`SignatureError` saying why the request is
    refused (malformed header, timestamp outside ``now ± tolerance_s``, wrong signature).
    Pass the body exactly as received, before any JSON parsing.
    """
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(name, []).append(value)
    stamps, signatures = fields.get("t", []), fields.get("v1", [])
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        raise SignatureError(f"{SIGNATURE_HEADER} must read 't=<unix seconds>,v1=<hex>'")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError(
            f"signed at {timestamp}, {abs(now - timestamp):.0f}s from now: outside the "
            f"{tolerance_s:.0f}s window (a replay, or a clock out of sync)"
        )
    expected = _digest(secret, body, timestamp)
    # Several v1 values let a sender sign with an old and a new secret while rotating.
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature does not match the body (wrong secret or altered body)")
    return timestamp


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class WebhookChannel:
    """Posts signed CloudEvents to one URL."""

    type: ClassVar[str] = "webhook"

    def __init__(
        self,
        name: str,
        url: str,
        secret: str,
        *,
        source: str = DEFAULT_SOURCE,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                f"channel {name!r}: the webhook URL must be an http(s) URL; check the "
                "environment variable the channel names"
            )
        if len(secret) < MIN_SECRET_LENGTH:
            # Never echo the secret: this message may be printed.
            raise ValueError(
                f"channel {name!r}: a webhook needs a signing secret of at least "
                f"{MIN_SECRET_LENGTH} characters (got {len(secret)}) so receivers can tell "
                "Blastwall's requests from forgeries; put one in the environment variable the "
                "channel names, e.g. from `openssl rand -hex 32`"
            )
        self.name = name
        self.source = source
        self._url = url
        # A webhook URL may carry a token in its path or query, as Slack's does.
        _http.hide(url, _http.redact_url(url))
        self._secret = secret
        self._clock = clock
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def render(self, message: Message, *, idempotency_key: str) -> dict[str, Any]:
        """The CloudEvent: ``data`` is the message as JSON (``Message.to_json``)."""
        subject = f"incidents/{message.incident_id}" if message.incident_id else message.key
        return {
            "specversion": "1.0",
            "id": idempotency_key,
            "source": self.source,
            "type": TYPE_PREFIX + message.event,
            "time": rfc3339(message.at),
            "subject": subject,
            "datacontenttype": "application/json",
            "data": message.to_json(),
        }

    def transcript(self, message: Message, *, idempotency_key: str) -> str:
        """The exact JSON body posted (the signing secret is only in a header)."""
        return json.dumps(self.render(message, idempotency_key=idempotency_key))

    def send(self, message: Message, *, idempotency_key: str) -> Outcome:
        """Post the signed event; the same ``id`` on every retry lets the receiver dedupe."""
        body = json.dumps(self.render(message, idempotency_key=idempotency_key)).encode()
        headers = {
            "Content-Type": CONTENT_TYPE,
            SIGNATURE_HEADER: sign(self._secret, body, int(self._clock())),
        }
        return _http.post(
            self._client, self._url, content=body, headers=headers, secrets=(self._secret,)
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()
