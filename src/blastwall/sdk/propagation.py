"""F1: the trace id travels in ``X-AI-Trace-Id``: ASGI middleware in, httpx hooks out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from blastwall.sdk.context import (
    HEADER,
    accept_trace_id,
    current_trace_id,
    new_trace_id,
    request_trace_id,
)
from blastwall.sdk.otel import active_trace_id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADER_BYTES = HEADER.lower().encode("latin-1")


class TraceIdMiddleware:
    """Accept ``X-AI-Trace-Id`` on each request (else the OpenTelemetry span's trace id, else a
    new one) and return it on the response.

    Guarded calls made while serving the request use this trace id. Works with any ASGI
    framework (``app.add_middleware(TraceIdMiddleware)`` in FastAPI/Starlette).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers") or ():
            if name.lower() == _HEADER_BYTES:
                incoming = accept_trace_id(value)
                break
        # Inside a server span (OpenTelemetry's ASGI instrumentation added outside this
        # middleware), reuse its trace id so Blastwall's trace joins the app's trace.
        trace_id = incoming or active_trace_id() or new_trace_id()
        scope.setdefault("state", {})["ai_trace_id"] = trace_id

        async def send_with_header(message: Message) -> None:
            if message.get("type") == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(name.lower() == _HEADER_BYTES for name, _ in headers):
                    headers.append((_HEADER_BYTES, trace_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        token = request_trace_id.set(trace_id)
        try:
            await self.app(scope, receive, send_with_header)
        finally:
            request_trace_id.reset(token)


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add ``X-AI-Trace-Id`` of the call or request in progress to ``headers`` (any client)."""
    trace_id = current_trace_id()
    if trace_id is not None and HEADER not in headers:
        headers[HEADER] = trace_id
    return headers


def httpx_hook(request: httpx.Request) -> None:
    """``httpx.Client(event_hooks={"request": [httpx_hook]})`` sends the trace id downstream."""
    trace_id = current_trace_id()
    if trace_id is not None and HEADER not in request.headers:
        request.headers[HEADER] = trace_id


async def async_httpx_hook(request: httpx.Request) -> None:
    """The same hook for ``httpx.AsyncClient``."""
    httpx_hook(request)


def trace_id_from(response: httpx.Response) -> str | None:
    """The trace id a Blastwall-guarded service returned, if any."""
    return accept_trace_id(response.headers.get(HEADER))
