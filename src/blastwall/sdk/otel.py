"""Each guarded call as an OpenTelemetry span that tells the truth (F2).

Active only when the ``opentelemetry-api`` package is installed (``pip install
blastwall[otel]``); spans go wherever the app's tracer provider sends them. Three rules:

- No tracer provider configured (the API alone, the common case): no span work at all, so
  the call costs what it costs with ``otel_spans=False``. A provider installed later is
  picked up by the next call.
- A model ran (``call.should_run``): a CLIENT span ``"{operation} {model}"`` with the GenAI
  semantic-convention attributes. No model ran (kill, safe mode, human fallback, a blocking
  input filter): an INTERNAL span ``"guard {decision}"`` with no ``gen_ai.*`` attributes, so
  backends that count model calls (beside OpenInference or OpenLLMetry spans) do not count
  a call that never happened.
- ``gen_ai.response.model`` only when the app reports the model that answered; filter hits
  as ``gen_ai.evaluation.result`` span events (the GenAI conventions' event for a verdict
  on a call; they define no ``gen_ai.guardrail.*`` event).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from blastwall import __version__
from blastwall.sdk.enums import Outcome
from blastwall.sdk.pipeline import Step

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace as otel_trace

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised by the import-isolation test
    AVAILABLE = False

if TYPE_CHECKING:
    from blastwall.sdk.call import Call

# GenAI semantic convention attribute names (OpenTelemetry semconv, gen_ai.*).
OPERATION = "gen_ai.operation.name"
PROVIDER = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
TOOL_NAME = "gen_ai.tool.name"
ERROR_TYPE = "error.type"
EVALUATION_EVENT = "gen_ai.evaluation.result"
EVALUATION_NAME = "gen_ai.evaluation.name"
EVALUATION_LABEL = "gen_ai.evaluation.score.label"

# Model-name prefixes of the providers the GenAI conventions name (gen_ai.provider.name).
_PROVIDER_PREFIXES = (
    (("gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "dall-e", "whisper"), "openai"),
    (("claude",), "anthropic"),
    (("gemini",), "gcp.gemini"),
    (("mistral", "mixtral", "codestral", "ministral", "pixtral"), "mistral_ai"),
    (("command",), "cohere"),
    (("deepseek",), "deepseek"),
    (("grok",), "x_ai"),
    (("sonar",), "perplexity"),
)
UNKNOWN_PROVIDER = "unknown"


def provider_for(model: str | None) -> str:
    """The ``gen_ai.provider.name`` of a model by its name's prefix, else ``"unknown"``.

    >>> provider_for("gpt-4o-mini"), provider_for("claude-sonnet-4"), provider_for("my-llm")
    ('openai', 'anthropic', 'unknown')
    """
    name = (model or "").lower()
    for prefixes, provider in _PROVIDER_PREFIXES:
        if name.startswith(prefixes):
            return provider
    return UNKNOWN_PROVIDER


_UNKNOWN = object()


def _global_provider() -> Any:
    """The provider the app set globally, or None while it has set none.

    ``get_tracer_provider()`` looks up an environment variable on every call (about 1 µs,
    more than a whole guarded call), so the global it guards is read directly; should a
    later opentelemetry-api drop that global, the public call keeps this correct.
    """
    provider = getattr(otel_trace, "_TRACER_PROVIDER", _UNKNOWN)
    if provider is _UNKNOWN:
        return otel_trace.get_tracer_provider()
    return provider


def active_trace_id() -> str | None:
    """The trace id of the OpenTelemetry span active here (32 hex characters), if any."""
    if not AVAILABLE:
        return None
    current = otel_context.get_current()
    if not current:
        return None  # nothing attached here (the common case): skip the span lookup
    context = otel_trace.get_current_span(current).get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


class OtelSpan(Step):
    """A span per guarded call (CLIENT when a model ran, INTERNAL when the guard decided)."""

    name = "otel_span"

    def __init__(
        self, *, operation: str = "chat", provider: str | None = None, tracer_provider: Any = None
    ) -> None:
        if not AVAILABLE:
            raise RuntimeError(
                "OpenTelemetry spans need the opentelemetry-api package: "
                "pip install 'blastwall[otel]', or pass otel_spans=False to Guard"
            )
        self.operation = operation
        self.provider = provider
        # A proxy provider only forwards to the global one: follow the global one instead.
        if isinstance(tracer_provider, otel_trace.ProxyTracerProvider):
            tracer_provider = None
        self._fixed_provider = tracer_provider
        if tracer_provider is None:
            # Once, so a provider named by $OTEL_PYTHON_TRACER_PROVIDER is loaded and set.
            otel_trace.get_tracer_provider()
        # (provider seen, its tracer or None when it cannot record), swapped in one store so
        # threads never see a tracer of another provider.
        self._cache: tuple[Any, Any] = (object(), None)

    @property
    def tracer(self) -> Any:
        """The tracer in use now, or None while no tracer provider would record anything."""
        provider = self._fixed_provider
        if provider is None:
            provider = _global_provider()
            if provider is None:
                return None
        seen, tracer = self._cache
        if provider is not seen:
            tracer = None
            if not isinstance(
                provider, otel_trace.ProxyTracerProvider | otel_trace.NoOpTracerProvider
            ):
                tracer = provider.get_tracer("blastwall.sdk", __version__)
            self._cache = (provider, tracer)
        return tracer

    def start(self, call: Call) -> None:
        tracer = self.tracer
        if tracer is None:
            return  # nothing would record: no attributes, no span, no context switch
        attributes: dict[str, Any] = {
            "blastwall.system": call.guard.system,
            "blastwall.environment": call.guard.environment,
            "blastwall.trace_id": call.trace_id,
            "blastwall.decision": call.decision.value,
        }
        if call.should_run:
            attributes[OPERATION] = self.operation
            attributes[PROVIDER] = self.provider or provider_for(call.model)
            if call.model:
                attributes[REQUEST_MODEL] = call.model
            name = f"{self.operation} {call.model}" if call.model else self.operation
            kind = otel_trace.SpanKind.CLIENT
        else:
            name, kind = f"guard {call.decision.value}", otel_trace.SpanKind.INTERNAL
        span = tracer.start_span(name, kind=kind, attributes=attributes)
        call._span = span
        call._span_token = otel_context.attach(otel_trace.set_span_in_context(span))

    def end(self, call: Call) -> None:
        span = call._span
        if span is None:
            return
        if span.is_recording():
            _finish(span, call)
        span.end()
        token = call._span_token
        call._span_token = None
        if token is not None:
            # Detaching in another context than the attach (a thread hop) only logs; ignore it.
            with contextlib.suppress(Exception):
                otel_context.detach(token)

    @contextlib.contextmanager
    def tool_span(self, name: str) -> Iterator[None]:
        """An INTERNAL ``execute_tool`` span around one tool call (none while nothing records)."""
        tracer = self.tracer
        if tracer is None:
            yield
            return
        with tracer.start_as_current_span(
            f"execute_tool {name}",
            kind=otel_trace.SpanKind.INTERNAL,
            attributes={OPERATION: "execute_tool", TOOL_NAME: name},
        ):
            yield


def _finish(span: Any, call: Call) -> None:
    """What the call recorded, as the span's closing attributes and events."""
    attributes: dict[str, Any] = {
        "blastwall.decision": call.decision.value,
        "blastwall.outcome": call.outcome.value,
    }
    if call.response_model is not None:
        attributes[RESPONSE_MODEL] = call.response_model
    if call.input_tokens is not None:
        attributes[INPUT_TOKENS] = call.input_tokens
    if call.output_tokens is not None:
        attributes[OUTPUT_TOKENS] = call.output_tokens
    if call.levers_acted:
        attributes["blastwall.levers"] = list(call.levers_acted)
    hits = call.filter_hits
    if hits:
        attributes["blastwall.filters"] = sorted({f"{h.filter}:{h.category}" for h in hits})
        for hit in hits:
            span.add_event(
                EVALUATION_EVENT,
                {
                    EVALUATION_NAME: hit.filter,
                    EVALUATION_LABEL: hit.category,
                    "blastwall.filter.stage": hit.stage.value,
                    "blastwall.filter.action": hit.action.value,
                    "blastwall.filter.count": hit.count,
                },
            )
    if call.label is not None:
        attributes["blastwall.label"] = call.label
    if call.outcome is Outcome.error and call.error:
        attributes[ERROR_TYPE] = call.error.split(":", 1)[0]
        span.set_status(otel_trace.Status(otel_trace.StatusCode.ERROR, call.error))
    span.set_attributes(attributes)
