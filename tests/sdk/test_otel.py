"""OpenTelemetry spans tell the truth: a CLIENT span only when a model ran, none while
nothing records, filter hits as evaluation events, and the app's trace id reused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

from blastwall import testing
from blastwall.sdk import PII, Guard
from blastwall.sdk.otel import OtelSpan, provider_for


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(spans: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return provider


@pytest.fixture
def guard(provider: TracerProvider) -> Iterator[Guard]:
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
    [event] = span.events
    assert event.name == "gen_ai.evaluation.result"
    assert dict(event.attributes or {}) == {
        "gen_ai.evaluation.name": "pii",
        "gen_ai.evaluation.score.label": "email",
        "blastwall.filter.stage": "input",
        "blastwall.filter.action": "redact",
        "blastwall.filter.count": 1,
    }
    assert tool_span.name == "execute_tool search"
    assert dict(tool_span.attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "search",
    }
    assert tool_span.parent is not None
    assert tool_span.parent.span_id == span.context.span_id


def test_the_response_model_is_the_one_the_app_reports_never_a_copy_of_the_request(
    guard: Guard, spans: InMemorySpanExporter
) -> None:
    with guard.call(input="q", model="gpt-4o") as call:
        call.set_output("ok", model="gpt-4o-2024-08-06")
    with guard.call(input="q", model="gpt-4o") as call:
        call.set_output("ok")
    reported, unreported = spans.get_finished_spans()
    assert (reported.attributes or {})["gen_ai.response.model"] == "gpt-4o-2024-08-06"
    assert (reported.attributes or {})["gen_ai.request.model"] == "gpt-4o"
    assert "gen_ai.response.model" not in (unreported.attributes or {})


def test_a_killed_call_is_an_internal_guard_span_not_a_model_call(
    guard: Guard, spans: InMemorySpanExporter
) -> None:
    testing.set_levers(guard, killed=True)
    with guard.call(input="q", model="gpt-4o-mini") as call:
        assert not call.should_run
    [span] = spans.get_finished_spans()
    assert (span.name, span.kind) == ("guard killed", SpanKind.INTERNAL)
    assert dict(span.attributes or {}) == {
        "blastwall.system": "support-bot",
        "blastwall.environment": "test",
        "blastwall.trace_id": call.trace_id,
        "blastwall.decision": "killed",
        "blastwall.outcome": "ok",
        "blastwall.levers": ("kill",),
    }


def test_an_input_filter_that_blocks_is_a_guard_span_with_its_evaluation_event(
    provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    guard = testing.offline_guard(
        "support-bot",
        otel_spans=True,
        tracer_provider=provider,
        input_filters=[PII(action="block")],
    )
    with guard.call(input="mail a@b.io") as call:
        assert not call.should_run
    guard.close()
    [span] = spans.get_finished_spans()
    assert (span.name, span.kind) == ("guard blocked", SpanKind.INTERNAL)
    assert [(e.name, dict(e.attributes or {})) for e in span.events] == [
        (
            "gen_ai.evaluation.result",
            {
                "gen_ai.evaluation.name": "pii",
                "gen_ai.evaluation.score.label": "email",
                "blastwall.filter.stage": "input",
                "blastwall.filter.action": "block",
                "blastwall.filter.count": 1,
            },
        )
    ]


def test_the_provider_name_is_derived_from_the_model_when_not_given(
    provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    guard = testing.offline_guard("support-bot", otel_spans=True, tracer_provider=provider)
    for model in ("claude-sonnet-4", "gpt-4o", "in-house-llm"):
        with guard.call(input="q", model=model) as call:
            call.set_output("ok")
    guard.close()
    names = [(s.attributes or {})["gen_ai.provider.name"] for s in spans.get_finished_spans()]
    assert names == ["anthropic", "openai", "unknown"]


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("gpt-4o-mini", "openai"),
        ("o3-mini", "openai"),
        ("Claude-3-5-haiku", "anthropic"),
        ("gemini-2.0-flash", "gcp.gemini"),
        ("mistral-large", "mistral_ai"),
        ("command-r", "cohere"),
        ("llama-3", "unknown"),
        (None, "unknown"),
    ],
)
def test_provider_for_maps_model_prefixes_to_semconv_provider_names(
    model: str | None, provider: str
) -> None:
    assert provider_for(model) == provider


def test_an_error_in_the_block_marks_the_span(guard: Guard, spans: InMemorySpanExporter) -> None:
    with pytest.raises(RuntimeError), guard.call(input="q"):
        raise RuntimeError("provider 500")
    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "RuntimeError"
    assert span.name == "chat"


def test_the_trace_id_comes_from_the_active_opentelemetry_span(
    guard: Guard, provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("handle request") as outer, guard.call(input="q") as call:
        call.set_output("ok")
    expected = f"{outer.get_span_context().trace_id:032x}"
    assert call.trace_id == expected
    inner, _ = spans.get_finished_spans()
    assert inner.context.trace_id == outer.get_span_context().trace_id


def test_an_explicit_trace_id_wins_over_the_active_span(
    guard: Guard, provider: TracerProvider
) -> None:
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("request"), guard.call(input="q", trace_id="t-42") as call:
        pass
    assert call.trace_id == "t-42"


def test_without_a_configured_provider_there_is_no_span_work(
    monkeypatch: pytest.MonkeyPatch, provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    # The API alone: the global provider is unset (a proxy), so nothing can record.
    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", None)
    step = OtelSpan()
    assert step.tracer is None
    guard = testing.offline_guard("support-bot", otel_spans=True)
    with guard.call(input="q") as call:
        call.set_output("ok")
    assert call._span is None
    # A provider installed later is picked up by the next call.
    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", provider)
    with guard.call(input="q", model="gpt-4o") as call:
        call.set_output("ok")
    guard.close()
    assert [s.name for s in spans.get_finished_spans()] == ["chat gpt-4o"]


def test_a_sampled_out_span_gets_no_attributes_or_events(spans: InMemorySpanExporter) -> None:
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    guard = testing.offline_guard("support-bot", otel_spans=True, tracer_provider=provider)
    with guard.call(input="q") as call:
        call.set_output("ok")
    guard.close()
    assert spans.get_finished_spans() == ()
    assert call.step_errors == ()
