"""A local HTTP receiver on loopback: real sockets, scripted failures, every request kept.

Each service's receiver (PagerDuty, Slack, webhook) subclasses :class:`HttpReceiver` and
answers in :meth:`HttpReceiver.answer` as the real service does. Tests script trouble with
:meth:`HttpReceiver.fail_next` (e.g. three 500s, or a 429 with ``Retry-After``) and
:meth:`HttpReceiver.stall_next` (answer later than the client waits).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True)
class Request:
    """One request as it arrived."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    """What the receiver sends back."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    body: bytes
    headers: dict[str, str]


class HttpReceiver:
    """Listens on 127.0.0.1 (on ``port``, or a free one); use as a context manager."""

    def __init__(self, *, port: int = 0) -> None:
        self.requests: list[Request] = []
        self._failures: deque[_Failure] = deque()
        self._stalls: deque[float] = deque()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: tests read ``requests``, not stderr."""

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        body: bytes = b"",
        retry_after: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (and ``Retry-After``, or other
        ``headers``), without looking at them: the real service's rate limiter and outages
        do the same."""
        headers = dict(headers or {})
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        with self._lock:
            self._failures.extend(_Failure(status, body, headers) for _ in range(times))

    def stall_next(self, seconds: float, *, times: int = 1) -> None:
        """Sleep ``seconds`` before answering the next ``times`` requests."""
        with self._lock:
            self._stalls.extend([seconds] * times)

    def answer(self, request: Request) -> Answer:
        """How the service answers an accepted-for-processing request (subclasses decide)."""
        return Answer(200)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        request = Request(
            method=handler.command,
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        with self._lock:
            stall = self._stalls.popleft() if self._stalls else 0.0
            failure = self._failures.popleft() if self._failures else None
            self.requests.append(request)
        if stall:
            time.sleep(stall)
        if failure is not None:
            answer = Answer(failure.status, failure.body, failure.headers)
        else:
            with self._lock:
                answer = self.answer(request)
        try:
            handler.send_response(answer.status)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a stalled answer): that is the point
