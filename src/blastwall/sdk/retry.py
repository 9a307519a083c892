"""When and how long to retry a request to the server, and creates that are safe to retry.

"Not now" answers (connection errors, 5xx, 408, 429) are retried; other 4xx never will
succeed. The server's ``Retry-After`` is honoured, jittered so many SDKs do not return in
the same instant. A create is retried with the same ``Idempotency-Key``, which the server
deduplicates, so a lost response never makes a second hand-off or approval request.
"""

from __future__ import annotations

import random
import time
import uuid
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRY_STATUSES = frozenset({408, 429})
MAX_RETRY_AFTER_S = 300.0  # a longer Retry-After (a misconfigured proxy) is capped


def retryable(response: httpx.Response) -> bool:
    """The server could not take the request now; the same request may succeed later."""
    return response.status_code >= 500 or response.status_code in RETRY_STATUSES


def retry_after_s(response: httpx.Response | None) -> float | None:
    """The server's ``Retry-After`` in seconds (delta or HTTP date), capped; None if absent."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None  # unreadable: the caller's own backoff applies
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def jittered(retry_after: float | None, ceiling: float) -> float:
    """The wait before the next try: at least ``Retry-After`` if given, else up to ``ceiling``."""
    if retry_after is not None:
        return retry_after * random.uniform(1.0, 1.2)  # noqa: S311 - jitter, not crypto
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not crypto


def new_key() -> str:
    """An idempotency key for one logical request (sent again on each of its retries)."""
    return uuid.uuid4().hex


def post_once(
    client: httpx.Client, path: str, body: Any, *, deadline: float, first_wait_s: float = 0.25
) -> httpx.Response:
    """POST a create, retrying "not now" answers with one idempotency key until ``deadline``.

    Returns the last response; raises the last ``httpx.HTTPError`` when no answer came.
    """
    headers = {IDEMPOTENCY_HEADER: new_key()}
    ceiling = first_wait_s
    while True:
        try:
            response = client.post(path, json=body, headers=headers)
        except httpx.HTTPError:
            response = None
            if time.monotonic() + ceiling > deadline:
                raise
        if response is not None and not retryable(response):
            return response
        wait = jittered(retry_after_s(response), ceiling)
        if time.monotonic() + wait > deadline:
            if response is None:  # pragma: no cover - the raise above covers it
                raise httpx.ConnectError("no answer before the deadline")
            return response
        time.sleep(wait)
        ceiling = min(ceiling * 2, 5.0)
