"""Each guarded call is an OpenTelemetry span named by the GenAI semantic conventions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from blastwall import testing
from blastwall.sdk import Guard


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def guard(spans: InMemorySpanExporter) -> Iterator[Guard]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    guard = testing.offline_guard(
        "support-bot", otel_spans=True, tracer_provider=provider, provider="openai"
    )
    yield guard
    guard.close()


def test_a_call_is_a_client_span_with_gen_ai_attributes(
    guard: Guard, spans: InMemorySpanExporter
) -> None:
    testing.set_levers(guard, reroute_model="gpt-4o-mini", filters=["pii"])
    with guard.call(input="mail a@b.io", model="gpt-4o") as call:
        call.tool("search", lambda q: ["doc"], q="refunds")
        call.set_output("ok", input_tokens=12, output_tokens=3)
    tool_span, span = spans.get_finished_spans()
    assert (span.name, span.kind) == ("chat gpt-4o-mini", SpanKind.CLIENT)
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
        "blastwall.system": "support-bot",
        "blastwall.environment": "test",
        "blastwall.trace_id": call.trace_id,
        "blastwall.decision": "reroute",
        "blastwall.outcome": "ok",
        "blastwall.levers": ("reroute", "filters"),
        "blastwall.filters": ("pii:email",),
    }
    assert tool_span.name == "execute_tool search"
    assert dict(tool_span.attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "search",
    }
    assert tool_span.parent is not None
    assert tool_span.parent.span_id == span.context.span_id


def test_an_error_in_the_block_marks_the_span(guard: Guard, spans: InMemorySpanExporter) -> None:
    with pytest.raises(RuntimeError), guard.call(input="q"):
        raise RuntimeError("provider 500")
    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "RuntimeError"
    assert span.name == "chat"
