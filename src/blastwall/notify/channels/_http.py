"""One HTTP POST for the HTTP channels, its answer mapped to an Outcome, secrets kept out.

PagerDuty, Slack and the webhook channel share the same rules: 2xx is delivered, 429 and
5xx and network failures are worth retrying (honouring ``Retry-After``), any other 4xx is a
refusal. Error texts name the receiver by :func:`redact_url` only: a Slack webhook URL *is*
its secret, and outcomes end up in ``blastwall notify list`` and logs.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from blastwall.notify.channels.base import Delivered, Outcome, Rejected, RetryLater

# Receivers' error texts are kept for the operator, but a receiver may echo a whole page.
MAX_ERROR_TEXT = 500

# Secret -> what logs show instead. httpx logs every request's full URL at INFO, and a Slack
# webhook URL is a credential: channels register theirs, and the filter below rewrites it.
_REDACTIONS: dict[str, str] = {}
_REDACTIONS_LOCK = threading.Lock()


class _RedactSecrets(logging.Filter):
    """Rewrites a log record that would print a registered secret (see :func:`hide`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _REDACTIONS:
            return True
        text = record.getMessage()
        with _REDACTIONS_LOCK:
            redactions = sorted(_REDACTIONS.items(), key=lambda item: -len(item[0]))
        scrubbed = text
        for secret, shown in redactions:
            scrubbed = scrubbed.replace(secret, shown)
        if scrubbed != text:
            record.msg, record.args = scrubbed, ()
        return True


logging.getLogger("httpx").addFilter(_RedactSecrets())


def hide(secret: str, shown: str = "***") -> None:
    """Never let ``secret`` reach httpx's log lines: they show ``shown`` instead."""
    if secret:
        with _REDACTIONS_LOCK:
            _REDACTIONS[secret] = shown


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…``: where a message went, without the path or query that may
    carry a token (Slack's webhook path, a ``?token=`` query)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port is not None else ""
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def retry_after_s(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date
    (RFC 9110 §10.2.3); None when absent or unreadable, 0 for a date already past."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def post(
    client: httpx.Client,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    secrets: tuple[str, ...] = (),
) -> Outcome:
    """POST ``content`` and map the answer; never raises for network or receiver failures.

    ``secrets`` are scrubbed from any receiver text put in an outcome.
    """
    where = redact_url(url)
    try:
        response = client.post(url, content=content, headers=headers)
    except httpx.TimeoutException:
        return RetryLater(f"{where} did not answer in time")
    except httpx.TransportError as exc:
        # The exception text can quote the URL; its class name says enough.
        return RetryLater(f"could not reach {where} ({type(exc).__name__})")
    return classify(response, where=where, secrets=(url, *secrets))


def classify(response: httpx.Response, *, where: str, secrets: tuple[str, ...]) -> Outcome:
    """2xx → Delivered, 429/5xx → RetryLater (with Retry-After), other statuses → Rejected."""
    status = response.status_code
    text = scrub(response.text.strip()[:MAX_ERROR_TEXT], secrets)
    if 200 <= status < 300:
        return Delivered(f"{status} {text}".strip())
    said = f"{where} answered {status}" + (f": {text}" if text else "")
    if status == 429 or status >= 500:
        return RetryLater(said, retry_after_s(response.headers.get("Retry-After")))
    return Rejected(said)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
