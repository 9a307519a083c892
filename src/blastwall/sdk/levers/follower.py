"""The background thread that keeps a LeverCache current: SSE stream first, polling as fallback."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
from pydantic import ValidationError

from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.state import WireLeverState, WireModelKill
from blastwall.sdk.release.fetch import ContentFetcher, ContentRefused, ContentUnavailable
from blastwall.sdk.release.state import WireRelease
from blastwall.sdk.retry import jittered, retry_after_s

log = logging.getLogger("blastwall.sdk")

# The lever stream announces its keep-alive interval in this header (seconds).
KEEPALIVE_HEADER = "X-Blastwall-Keepalive-S"
MAX_KEEPALIVE_S = 3600.0


class LeverFollower:
    """Follows ``GET /levers/stream`` and polls ``GET /levers?since=REV`` when it cannot.

    Every valid state, keep-alive or successful poll confirms the cache (C9). Garbage on
    the wire is counted in ``garbage`` and skipped; no error ever leaves the thread.
    Releases (event ``release``) are completed and hash-checked here, off the hot path: a
    large surface is fetched by hash; one that cannot be fetched now stays ``pending``
    and is retried at each keep-alive or poll.
    """

    def __init__(
        self,
        cache: LeverCache,
        client: httpx.Client,
        *,
        poll_interval_s: float = 1.0,
        backoff_initial_s: float = 0.25,
        backoff_max_s: float = 5.0,
        use_stream: bool = True,
    ) -> None:
        self.cache = cache
        self.client = client
        self.poll_interval_s = poll_interval_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.use_stream = use_stream
        self.garbage = 0
        self.connected = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._response: httpx.Response | None = None
        self._reachable = True  # so the first failure is logged once, not every retry
        self._retry_after: float | None = None
        self.fetcher = ContentFetcher(client, cache.system)
        self.fetcher.remember(cache.release_wire)
        self.pending: WireRelease | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"blastwall-levers-{self.cache.system}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        response = self._response
        if response is not None:
            # Closing a response does not wake a thread blocked reading its socket; shutting
            # the socket down does. Best effort: the thread also stops at the next keep-alive.
            with contextlib.suppress(Exception):
                stream = response.extensions["network_stream"]
                stream.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout)

    def poll(self) -> bool:
        """One ``GET /levers?since=REV``; True if the server answered with a usable feed."""
        try:
            response = self.client.get(
                "/levers", params={"since": self.cache.revision, "system": self.cache.system}
            )
            if response.status_code != 200:
                self._retry_after = retry_after_s(response)
                self._unreachable(f"GET /levers answered {response.status_code}")
                return False
            body = response.json()
            raw_states = body["states"]
            raw_releases = body.get("releases", [])
            raw_kills = body.get("model_kills", [])
            if not all(isinstance(x, list) for x in (raw_states, raw_releases, raw_kills)):
                raise TypeError("states, releases or model_kills is not a list")
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            self._unreachable(f"GET /levers failed: {type(exc).__name__}: {exc}")
            return False
        self.cache.apply(self._valid(raw_states))
        self.cache.apply_model_kills(self._valid_kills(raw_kills))
        for raw in raw_releases:
            self._take_release(raw)
        self._retry_pending()
        self._reached()
        return True

    def _run(self) -> None:
        delay = self.backoff_initial_s
        try:
            while not self._stop.is_set():
                try:
                    delay = self._cycle(delay)
                except Exception:  # a bug here must never end lever following
                    log.exception("blastwall: lever follower error; retrying")
                    self._stop.wait(delay)
        finally:
            # The thread closes its own client, after its last request: closed from outside
            # while a request was in flight, the next one raised "client has been closed".
            self.client.close()

    def _cycle(self, delay: float) -> float:
        """Stream, else poll; return the backoff delay for the next cycle."""
        if self.use_stream and self._stream():
            return self.backoff_initial_s  # it worked and dropped: reconnect at once
        if self._stop.is_set():
            return delay
        if self.poll():
            # The server is up but the stream is not (or is off): poll each interval until
            # the stream is due for another try, or the server goes away.
            window = delay if self.use_stream else self.poll_interval_s
            deadline = time.monotonic() + window
            while not self._stop.wait(self.poll_interval_s):
                if not self.poll() or time.monotonic() >= deadline:
                    break
            return min(delay * 2, self.backoff_max_s) if self.use_stream else delay
        # The server's Retry-After (a 429 or 503) wins over our own, shorter backoff.
        retry_after, self._retry_after = self._retry_after, None
        self._stop.wait(jittered(retry_after, delay))
        return min(delay * 2, self.backoff_max_s)

    def _stream(self) -> bool:
        """Follow the stream until it ends; True if it connected and delivered anything."""
        delivered = False
        headers = {"Accept": "text/event-stream"}
        params: dict[str, str | int] = {"since": self.cache.revision, "system": self.cache.system}
        try:
            with self.client.stream("GET", "/levers/stream", params=params, headers=headers) as r:
                if r.status_code != 200:
                    self._retry_after = retry_after_s(r)
                    self._unreachable(f"GET /levers/stream answered {r.status_code}")
                    return False
                self._response = r
                self.connected = True
                self._learn_keepalive(r)
                for kind, data in _sse_events(r.iter_lines()):
                    if self._stop.is_set():
                        break
                    delivered = True
                    if kind in ("levers", "message"):
                        self._on_event(data)
                    elif kind == "release":
                        self._on_release(data)
                    elif kind == "model_kill":
                        self._on_model_kill(data)
                    else:  # a keep-alive comment, or an event kind this SDK does not know
                        self.cache.confirm()
                        self._retry_pending()
                        self._reached()
        except (httpx.HTTPError, UnicodeDecodeError) as exc:
            if not self._stop.is_set():
                self._unreachable(f"lever stream dropped: {type(exc).__name__}: {exc}")
        finally:
            self._response = None
            self.connected = False
        return delivered

    def _learn_keepalive(self, response: httpx.Response) -> None:
        """Adopt the keep-alive interval the server announces (a sane positive number)."""
        try:
            seconds = float(response.headers.get(KEEPALIVE_HEADER, ""))
        except ValueError:
            return
        if 0 < seconds <= MAX_KEEPALIVE_S:
            self.cache.keepalive_s = seconds

    def _on_event(self, data: str) -> None:
        try:
            raw = json.loads(data)
        except ValueError:
            self.garbage += 1
            return
        states = self._valid([raw])
        if states:
            self.cache.apply(states)
            self._reached()

    def _on_model_kill(self, data: str) -> None:
        try:
            raw = json.loads(data)
        except ValueError:
            self.garbage += 1
            return
        kills = self._valid_kills([raw])
        if kills:
            self.cache.apply_model_kills(kills)
            self._reached()

    def _valid_kills(self, raw_kills: list[object]) -> list[WireModelKill]:
        valid = []
        for raw in raw_kills:
            try:
                valid.append(WireModelKill.model_validate(raw))
            except ValidationError:
                self.garbage += 1
        return valid

    def _on_release(self, data: str) -> None:
        try:
            raw = json.loads(data)
        except ValueError:
            self.garbage += 1
            return
        self._take_release(raw)
        self._reached()

    def _take_release(self, raw: object) -> None:
        """Validate, complete and check one release, then put it in force (or say why not)."""
        try:
            release = WireRelease.model_validate(raw)
        except ValidationError:
            self.garbage += 1
            return
        if release.system != self.cache.system:
            return
        if release.environment != self.cache.environment:
            self.cache.apply_release(release)  # moves the cursor only
            return
        current = self.cache.release_wire
        if current is not None and release.revision <= current.revision:
            return
        try:
            complete = self.fetcher.complete(release)
        except ContentUnavailable as exc:
            if self.pending is None or self.pending.revision < release.revision:
                self.pending = release
            log.warning(
                "blastwall: release %s not in force yet (%s); keeping release %s and retrying",
                release.release,
                exc,
                current.release if current else "none",
            )
            return
        except ContentRefused as exc:
            self.pending = None
            self.cache.refuse_release(release, str(exc))
            log.warning(
                "blastwall: refused release %s: %s; keeping release %s",
                release.release,
                exc,
                current.release if current else "none",
            )
            return
        if self.pending is not None and self.pending.revision <= release.revision:
            self.pending = None
        self.fetcher.remember(complete)
        self.cache.apply_release(complete)

    def _retry_pending(self) -> None:
        pending = self.pending
        if pending is not None:
            self.pending = None
            self._take_release(pending.to_json())

    def _valid(self, raw_states: list[object]) -> list[WireLeverState]:
        valid = []
        for raw in raw_states:
            try:
                valid.append(WireLeverState.model_validate(raw))
            except ValidationError:
                self.garbage += 1
        return valid

    def _unreachable(self, why: str) -> None:
        if self._reachable:
            log.warning("blastwall: lever server unreachable (%s); keeping the last state", why)
        self._reachable = False

    def _reached(self) -> None:
        if not self._reachable:
            log.warning("blastwall: lever server reachable again")
        self._reachable = True


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """Yield (event, data) per SSE event and (None, '') per comment (a keep-alive)."""
    kind = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield kind, "\n".join(data)
            kind, data = "message", []
        elif line.startswith(":"):
            yield None, ""
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "data":
                data.append(value)
            elif field == "event":
                kind = value
    if data:
        yield kind, "\n".join(data)
