"""Test data for the SDK: lever states as the server sends them, and a scriptable fake server."""

from __future__ import annotations

import gzip
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from blastwall.sdk.release.state import canonical_hash

SYSTEM = "support-bot"
ENVIRONMENT = "production"


def wire_state(
    *,
    system: str = SYSTEM,
    environment: str = "*",
    revision: int = 1,
    **levers: Any,
) -> dict[str, Any]:
    """A LeverStateRead as GET /levers and the stream send it."""
    state: dict[str, Any] = {
        "system": system,
        "environment": environment,
        "killed": False,
        "human_fallback": False,
        "safe_mode": False,
        "reroute_model": None,
        "filters": [],
        "disabled_tools": [],
        "retrieval_sources": None,
        "revision": revision,
        "updated_at": "2025-01-31T12:00:00Z",
        "updated_by": "alice",
        "stale_policy": "keep_last",
        "stale_after_s": None,
    }
    state.update(levers)
    return state


def sse_event(state: dict[str, Any], kind: str = "levers") -> str:
    return f"id: {state['revision']}\nevent: {kind}\ndata: {json.dumps(state)}\n\n"


KINDS = {"model": "model", "prompt": "prompt", "kb": "retrieval", "settings": "config"}


def release_contents(tag: str) -> dict[str, dict[str, Any]]:
    """Content for a model, a prompt, a retrieval and a config surface, distinct per ``tag``."""
    return {
        "model": {"provider": "openai", "model": f"gpt-{tag}"},
        "prompt": {"template": f"You are a support agent ({tag})."},
        "kb": {"index": f"kb-{tag}", "sources": ["help-centre", f"faq-{tag}"]},
        "settings": {"temperature": 0.2, "tag": tag},
    }


def wire_release(
    name: str,
    *,
    revision: int,
    contents: dict[str, dict[str, Any]] | None = None,
    versions: dict[str, int] | None = None,
    environment: str = ENVIRONMENT,
    system: str = SYSTEM,
    by_hash: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A registry ReleaseState; surfaces named in ``by_hash`` are sent without content."""
    contents = release_contents(name) if contents is None else contents
    return {
        "system": system,
        "environment": environment,
        "release": name,
        "revision": revision,
        "activated_at": "2025-01-31T12:00:00Z",
        "activated_by": "cora",
        "surfaces": {
            surface: {
                "kind": KINDS.get(surface, "config"),
                "version": (versions or {}).get(surface, 1),
                "hash": canonical_hash(content),
                "size": len(json.dumps(content)),
                "content": None if surface in by_hash else content,
            }
            for surface, content in contents.items()
        },
    }


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until true or ``timeout``: a deadline, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class FakeServer:
    """A Blastwall server in an ``httpx.MockTransport``: levers, stream, events, hand-offs.

    ``down = True`` makes every request fail to connect; ``push(state)`` sends a state on
    the open stream; ``stream_ok = False`` answers the stream with 404 (polling only).
    """

    def __init__(self) -> None:
        self.down = False
        self.stream_ok = True
        self.states: list[dict[str, Any]] = []
        self.releases: list[dict[str, Any]] = []
        # Surface content served by hash (GET /systems/S/surfaces/N/content/HASH).
        self.contents: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.event_status = 200
        self.handoff_status = 201
        self.retry_after: str | None = None  # sent with a non-2xx events or hand-off answer
        self.levers_status = 200  # answer GET /levers (and the stream) with this instead
        self.keepalive_s = "5"  # the X-Blastwall-Keepalive-S header of the lever stream
        self.handoffs: list[dict[str, Any]] = []
        self.approvals: dict[int, dict[str, Any]] = {}
        self.approval_script: list[str] = []
        self.approval_failures = 0  # answer this many approval creates with 503 first
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()
        self._streams: list[queue.Queue[str | None]] = []
        self.stream_prelude: list[str] = []
        self.transport = httpx.MockTransport(self.handle)

    # -- scripting --------------------------------------------------------------------

    def set_state(self, **kw: Any) -> dict[str, Any]:
        """Add a new state (next revision) and push it to open streams."""
        with self.lock:
            revision = max((s["revision"] for s in self.states), default=0) + 1
            state = wire_state(revision=revision, **kw)
            self.states.append(state)
            streams = list(self._streams)
        for stream in streams:
            stream.put(sse_event(state))
        return state

    def set_release(self, release: dict[str, Any]) -> None:
        """Put a release in force (a ReleaseState) and push it to open streams."""
        with self.lock:
            self.releases.append(release)
            streams = list(self._streams)
        for stream in streams:
            stream.put(sse_event(release, "release"))

    def push_raw(self, chunk: str) -> None:
        """Send raw text on every open stream (garbage, comments)."""
        for stream in list(self._streams):
            stream.put(chunk)

    def drop_streams(self) -> None:
        for stream in list(self._streams):
            stream.put(None)

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    # -- the handler ------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:  # noqa: PLR0911, PLR0912 - a route each
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path.removeprefix("/api/v1")
        if path.startswith("/levers") and self.levers_status != 200:
            return httpx.Response(
                self.levers_status, json={"detail": "slow down"}, headers=self._retry_headers()
            )
        if path == "/levers":
            since = int(request.url.params.get("since", 0))
            with self.lock:
                newer = [s for s in self.states if s["revision"] > since]
                releases = [r for r in self.releases if r["revision"] > since]
                top = max((s["revision"] for s in self.states + self.releases), default=0)
            return httpx.Response(
                200, json={"revision": top, "states": newer, "releases": releases}
            )
        if "/content/" in path:
            content = self.contents.get(path.rsplit("/", 1)[1])
            if content is None:
                return httpx.Response(404, json={"detail": "no such content"})
            return httpx.Response(200, json={"number": 1, "content": content})
        if path == "/levers/stream":
            return self._stream(request)
        if path == "/events":
            body = request.content
            if request.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            if self.event_status != 200:
                return httpx.Response(
                    self.event_status, json={"detail": "nope"}, headers=self._retry_headers()
                )
            batch = json.loads(body)
            self.events.extend(batch)
            return httpx.Response(200, json={"accepted": len(batch), "rejected": []})
        if path == "/handoffs":
            if self.handoff_status != 201:
                return httpx.Response(
                    self.handoff_status, json={"detail": "nope"}, headers=self._retry_headers()
                )
            self.handoffs.append(json.loads(request.content))
            return httpx.Response(201, json={"id": len(self.handoffs), "status": "open"})
        if path == "/approvals" and request.method == "POST":
            if self.approval_failures > 0:
                self.approval_failures -= 1
                return httpx.Response(503, json={"detail": "busy"})
            approval_id = len(self.approvals) + 1
            self.approvals[approval_id] = json.loads(request.content)
            return httpx.Response(201, json=self._approval(approval_id))
        if path.startswith("/approvals/"):
            return httpx.Response(200, json=self._approval(int(path.rsplit("/", 1)[1])))
        return httpx.Response(404, json={"detail": f"no route {path}"})

    def _retry_headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": self.retry_after}

    def _approval(self, approval_id: int) -> dict[str, Any]:
        status = self.approval_script.pop(0) if self.approval_script else "pending"
        return {
            "id": approval_id,
            "status": status,
            "decided_by": None if status == "pending" else "bob",
            "reason": None if status == "pending" else f"{status} by bob",
        }

    def _stream(self, request: httpx.Request) -> httpx.Response:
        if not self.stream_ok:
            return httpx.Response(404, json={"detail": "no stream here"})
        since = int(request.url.params.get("since", 0))
        stream: queue.Queue[str | None] = queue.Queue()
        with self.lock:
            for state in self.states:
                if state["revision"] > since:
                    stream.put(sse_event(state))
            for release in self.releases:
                if release["revision"] > since:
                    stream.put(sse_event(release, "release"))
            self._streams.append(stream)
        for chunk in self.stream_prelude:
            stream.put(chunk)

        def body() -> Iterator[bytes]:
            try:
                yield b": hello\n\n"
                while True:
                    try:
                        chunk = stream.get(timeout=0.05)
                    except queue.Empty:
                        if self.down:
                            return
                        continue
                    if chunk is None:
                        return
                    yield chunk.encode()
            finally:
                with self.lock:
                    if stream in self._streams:
                        self._streams.remove(stream)

        headers = {"content-type": "text/event-stream", "X-Blastwall-Keepalive-S": self.keepalive_s}
        return httpx.Response(200, headers=headers, content=body())
