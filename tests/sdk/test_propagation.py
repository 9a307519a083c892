"""F1: X-AI-Trace-Id accepted from requests, returned on responses, sent downstream."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from blastwall import testing
from blastwall.sdk import HEADER, TraceIdMiddleware, async_httpx_hook, httpx_hook, inject
from blastwall.sdk.propagation import trace_id_from

GUARD = testing.offline_guard("support-bot")
SEEN: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def _close_guard() -> Iterator[None]:
    yield
    GUARD.close()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app whose handler makes one guarded call."""
    with GUARD.call(input="q") as call:
        SEEN.append(call.trace_id)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": call.trace_id.encode()})


async def serve(headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=TraceIdMiddleware(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        return await client.get("/", headers=headers)


def test_an_incoming_trace_id_is_used_by_guarded_calls_and_returned() -> None:
    response = asyncio.run(serve({HEADER: "req-123"}))
    assert (response.headers[HEADER], response.text, SEEN[-1]) == ("req-123", "req-123", "req-123")
    assert trace_id_from(response) == "req-123"


def test_a_missing_or_invalid_trace_id_is_replaced_with_a_new_one() -> None:
    for headers in ({}, {HEADER: "bad id\twith controls"}):
        response = asyncio.run(serve(headers))
        assert len(response.headers[HEADER]) == 32
        assert response.text == response.headers[HEADER]


def test_inside_an_opentelemetry_server_span_the_span_trace_id_is_used_and_returned() -> None:
    tracer = TracerProvider().get_tracer("server-instrumentation")

    async def instrumented(headers: dict[str, str]) -> httpx.Response:
        # OpenTelemetry's ASGI instrumentation runs outside the middleware, span active.
        with tracer.start_as_current_span("GET /") as span:
            expected.append(f"{span.get_span_context().trace_id:032x}")
            return await serve(headers)

    expected: list[str] = []
    response = asyncio.run(instrumented({}))
    assert (response.headers[HEADER], SEEN[-1]) == (expected[0], expected[0])
    given = asyncio.run(instrumented({HEADER: "req-9"}))  # an explicit header still wins
    assert given.headers[HEADER] == "req-9"


def test_outgoing_requests_carry_the_current_trace_id() -> None:
    sent: list[str | None] = []

    def downstream(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get(HEADER))
        return httpx.Response(200)

    with httpx.Client(
        transport=httpx.MockTransport(downstream), event_hooks={"request": [httpx_hook]}
    ) as client:
        client.get("http://tools/outside")
        with GUARD.call(input="q", trace_id="call-7"):
            client.get("http://tools/inside")
            assert inject({}) == {HEADER: "call-7"}

    async def in_async() -> None:
        async with (
            httpx.AsyncClient(
                transport=httpx.MockTransport(downstream),
                event_hooks={"request": [async_httpx_hook]},
            ) as client,
            GUARD.call(input="q", trace_id="call-8"),
        ):
            await client.get("http://tools/async")

    asyncio.run(in_async())
    assert sent == [None, "call-7", "call-8"]


def test_non_http_scopes_pass_through() -> None:
    calls: list[str] = []

    async def lifespan_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        calls.append(scope["type"])

    asyncio.run(TraceIdMiddleware(lifespan_app)({"type": "lifespan"}, None, None))
    assert calls == ["lifespan"]
