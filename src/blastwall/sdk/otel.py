"""Each guarded call as an OpenTelemetry span, named by the GenAI semantic conventions (F2).

Active only when the ``opentelemetry-api`` package is installed (``pip install
blastwall[otel]``); spans go wherever the app's tracer provider sends them.
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


class OtelSpan(Step):
    """Starts a CLIENT span before the model runs and ends it after the guarded block."""

    name = "otel_span"

    def __init__(
        self, *, operation: str = "chat", provider: str | None = None, tracer_provider: Any = None
    ) -> None:
        if not AVAILABLE:
            raise RuntimeError(
                "OpenTelemetry spans need the opentelemetry-api package: "
                "pip install 'blastwall[otel]', or pass otel=False to Guard"
            )
        self.operation = operation
        self.provider = provider
        self.tracer = otel_trace.get_tracer("blastwall.sdk", __version__, tracer_provider)

    def start(self, call: Call) -> None:
        attributes: dict[str, Any] = {
            OPERATION: self.operation,
            "blastwall.system": call.guard.system,
            "blastwall.environment": call.guard.environment,
            "blastwall.trace_id": call.trace_id,
            "blastwall.decision": call.decision.value,
        }
        if self.provider:
            attributes[PROVIDER] = self.provider
        if call.model:
            attributes[REQUEST_MODEL] = call.model
        name = f"{self.operation} {call.model}" if call.model else self.operation
        span = self.tracer.start_span(name, kind=otel_trace.SpanKind.CLIENT, attributes=attributes)
        call._span = span
        call._span_token = otel_context.attach(otel_trace.set_span_in_context(span))

    def end(self, call: Call) -> None:
        span = call._span
        if span is None:
            return
        attributes: dict[str, Any] = {
            "blastwall.decision": call.decision.value,
            "blastwall.outcome": call.outcome.value,
        }
        if call.model:
            attributes[RESPONSE_MODEL] = call.model
        if call.input_tokens is not None:
            attributes[INPUT_TOKENS] = call.input_tokens
        if call.output_tokens is not None:
            attributes[OUTPUT_TOKENS] = call.output_tokens
        if call.levers_acted:
            attributes["blastwall.levers"] = list(call.levers_acted)
        if call.filter_hits:
            attributes["blastwall.filters"] = sorted(
                {f"{h.filter}:{h.category}" for h in call.filter_hits}
            )
        if call.label is not None:
            attributes["blastwall.label"] = call.label
        if call.outcome is Outcome.error and call.error:
            attributes[ERROR_TYPE] = call.error.split(":", 1)[0]
            span.set_status(otel_trace.Status(otel_trace.StatusCode.ERROR, call.error))
        span.set_attributes(attributes)
        span.end()
        token = call._span_token
        call._span_token = None
        if token is not None:
            # Detaching in another context than the attach (a thread hop) only logs; ignore it.
            with contextlib.suppress(Exception):
                otel_context.detach(token)

    @contextlib.contextmanager
    def tool_span(self, name: str) -> Iterator[None]:
        """An INTERNAL ``execute_tool`` span around one tool call."""
        with self.tracer.start_as_current_span(
            f"execute_tool {name}",
            kind=otel_trace.SpanKind.INTERNAL,
            attributes={OPERATION: "execute_tool", TOOL_NAME: name},
        ):
            yield
