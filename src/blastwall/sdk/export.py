"""Events to the server in batches, from a bounded in-memory queue, on a background thread.

``submit`` is the only part on the caller's path: a length check and a deque append. When
the queue is full the item is dropped and counted; the caller never waits. That is the only
way an event the server would accept is lost: a batch the server could not take (down,
5xx, 408, 429) stays held, counted against the queue bound, and is retried with jittered
exponential backoff (or after the server's ``Retry-After``) until it goes through.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

from blastwall import __version__
from blastwall.sdk.context import reanchor
from blastwall.sdk.events import Redactor, call_events, json_safe, status_event
from blastwall.sdk.retry import IDEMPOTENCY_HEADER, jittered, new_key, retry_after_s, retryable

log = logging.getLogger("blastwall.sdk")

GZIP_ABOVE = 1024


class Exporter:
    """Batches calls and events to ``POST /events`` and hand-offs to ``POST /handoffs``.

    Without a client (no server configured) it still drains its queue, discarding, so the
    hot path and the memory bound are the same offline.
    """

    def __init__(
        self,
        client: httpx.Client | None,
        *,
        system: str,
        environment: str,
        max_queue: int = 10_000,
        batch_size: int = 500,
        flush_interval_s: float = 1.0,
        max_backoff_s: float = 30.0,
        status_interval_s: float = 60.0,
        redact: Redactor | None = None,
        lever_info: Callable[[], tuple[int, float | None]] = lambda: (0, None),
    ) -> None:
        self.client = client
        self.system = system
        self.environment = environment
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.max_backoff_s = max_backoff_s
        self.status_interval_s = status_interval_s
        self.redact = redact
        self.lever_info = lever_info
        self.instance = uuid.uuid4().hex[:16]
        self.sent = 0
        self.dropped = 0
        self.rejected = 0
        self.handoffs_sent = 0
        self.handoffs_lost = 0
        self._queue: deque[Any] = deque()
        # (idempotency key, body): the key is made once per hand-off and sent on every try,
        # so a retry after a lost response never creates a second one on the server.
        self._handoffs: deque[tuple[str, dict[str, Any]]] = deque()
        self._count_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_status = time.monotonic() + status_interval_s
        self._retry: list[dict[str, Any]] | None = None
        self._held = 0  # queue items in the held batch: they still count against max_queue
        self._failures = 0  # consecutive failed tries; drives the backoff
        self._wait_s: float | None = None  # the backoff before the next try, while failing
        self._failing = False

    # -- the caller's side ------------------------------------------------------------

    def submit(self, item: Any) -> None:
        """Queue a finished call (or anything with ``events()``); drop and count when full."""
        queue = self._queue
        if len(queue) + self._held < self.max_queue:
            queue.append(item)
        else:
            with self._count_lock:
                self.dropped += 1

    def submit_handoff(self, body: dict[str, Any]) -> None:
        """Queue a request for the human queue (C2); sent by the background thread."""
        if len(self._handoffs) < self.max_queue:
            self._handoffs.append((new_key(), body))
        else:
            with self._count_lock:
                self.handoffs_lost += 1

    @property
    def queued(self) -> int:
        """Items waiting to be sent, including those of a batch held for a retry."""
        return len(self._queue) + self._held

    # -- the background side ----------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"blastwall-export-{self.system}", daemon=True
        )
        self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the thread after one last flush that gives up after ``timeout`` seconds.

        The client is closed by the thread itself once its last request is over (or here
        when the thread never ran), never under a request still in flight.
        """
        self._stop.set()
        if self._thread is None:
            if self.client is not None:
                self.client.close()
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._next_wait()):
                self._safely(self.flush)
            self._safely(lambda: self.flush(deadline=time.monotonic() + 1.5))
        finally:
            if self.client is not None:
                self.client.close()

    def _next_wait(self) -> float:
        wait = self._wait_s
        return self.flush_interval_s if wait is None else wait

    def _safely(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:  # the exporter must outlive any bug in serialisation
            log.exception("blastwall: export error; continuing")

    def flush(self, deadline: float | None = None) -> None:
        """Send everything queued now (called by the thread; tests may call it directly)."""
        reanchor()
        if not self._send_handoffs(deadline):
            return
        if time.monotonic() >= self._next_status:
            self._next_status = time.monotonic() + self.status_interval_s
            self._queue.append(_Raw(self._status()))
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return
            if self._retry is not None:
                batch = self._retry
            else:
                batch, self._held = self._take()
            if not batch:
                self._held = 0
                return
            if not self._send(batch):
                self._retry = batch  # held: still counted in ``queued`` and the bound
                return
            self._retry, self._held = None, 0

    def _take(self) -> tuple[list[dict[str, Any]], int]:
        """Up to ``batch_size`` events and how many queue items they came from."""
        events: list[dict[str, Any]] = []
        queue = self._queue
        taken = 0
        while queue and len(events) < self.batch_size:
            item = queue.popleft()
            try:
                events.extend(_events_of(item, self.redact))
                taken += 1  # an item that failed to serialise is dropped, not held
            except Exception as exc:
                log.warning("blastwall: could not serialise %r (%r); dropped", item, exc)
                with self._count_lock:
                    self.dropped += 1
        return events, taken

    def _send(self, batch: list[dict[str, Any]]) -> bool:
        """POST one batch; False means keep it and stop for now (retried after a backoff)."""
        if self.client is None:
            self.sent += len(batch)  # offline: counted as handled, sent nowhere
            return True
        body = json.dumps(batch, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if len(body) > GZIP_ABOVE:
            body = gzip.compress(body, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        try:
            response = self.client.post("/events", content=body, headers=headers)
        except httpx.HTTPError as exc:
            return self._failed(f"{type(exc).__name__}: {exc}")
        if retryable(response):
            return self._failed(f"HTTP {response.status_code}", response)
        self._recovered()
        if response.status_code >= 400:
            with self._count_lock:
                self.dropped += len(batch)
            log.warning(
                "blastwall: the server refused %d events (HTTP %d: %s); dropped them",
                len(batch),
                response.status_code,
                response.text[:300],
            )
            return True
        self.sent += len(batch)
        with contextlib.suppress(ValueError, AttributeError):
            self.rejected += len(response.json().get("rejected") or [])
        return True

    def _failed(self, why: str, response: httpx.Response | None = None) -> bool:
        """Back off before the next try: the server's Retry-After, else doubling, jittered."""
        self._failures += 1
        if not self._failing:
            log.warning("blastwall: cannot send to the server (%s); will retry", why)
            self._failing = True
        ceiling = min(self.flush_interval_s * 2**self._failures, self.max_backoff_s)
        self._wait_s = max(jittered(retry_after_s(response), ceiling), 0.01)
        return False

    def _recovered(self) -> None:
        self._failures, self._wait_s = 0, None
        if self._failing:
            log.warning("blastwall: sending to the server again")
            self._failing = False

    def _send_handoffs(self, deadline: float | None) -> bool:
        """Send queued hand-offs; False when the server cannot take them now (kept)."""
        while self._handoffs and self.client is not None:
            if deadline is not None and time.monotonic() > deadline:
                return True
            key, body = self._handoffs[0]
            try:
                response = self.client.post(
                    "/handoffs", json=body, headers={IDEMPOTENCY_HEADER: key}
                )
            except httpx.HTTPError as exc:
                return self._failed(f"{type(exc).__name__}: {exc}")  # kept for the retry
            if retryable(response):
                return self._failed(f"HTTP {response.status_code}", response)
            self._recovered()
            self._handoffs.popleft()
            if response.status_code >= 400:
                self.handoffs_lost += 1
                log.error(
                    "blastwall: the server refused a human hand-off for trace %s (HTTP %d: %s)",
                    body.get("trace_id"),
                    response.status_code,
                    response.text[:300],
                )
            else:
                self.handoffs_sent += 1
        if self.client is None:
            self._handoffs.clear()
        return True

    def _status(self) -> dict[str, Any]:
        revision, age = self.lever_info()
        return status_event(
            system=self.system,
            environment=self.environment,
            at=time.time(),
            instance=self.instance,
            sdk_version=__version__,
            sent=self.sent,
            dropped=self.dropped,
            queued=len(self._queue),
            lever_revision=revision,
            lever_age_s=age,
        )


class _Raw:
    """An already-built wire event waiting in the queue."""

    __slots__ = ("event",)

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event


def _events_of(item: Any, redact: Redactor | None) -> list[dict[str, Any]]:
    if isinstance(item, _Raw):
        return [item.event]
    events = getattr(item, "events", None)
    if events is not None:
        produced: list[dict[str, Any]] = events(redact)
        return produced
    return call_events(item, redact)


__all__ = ["Exporter", "json_safe"]
