"""One guarded AI call: the decision made before the model runs, and what the call recorded."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Iterable, Mapping
from contextvars import Token
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from blastwall.sdk.context import current_call, new_trace_id, wall_time
from blastwall.sdk.enums import Decision, GateStatus, Outcome
from blastwall.sdk.errors import ActionRefused, Refused, ToolRefused
from blastwall.sdk.filters.base import FilterHit
from blastwall.sdk.levers.state import NORMAL, Levers
from blastwall.sdk.records import Document, GateRecord, Kind
from blastwall.sdk.release.state import ActiveRelease

if TYPE_CHECKING:
    from blastwall.sdk.guard import Guard

_perf = time.perf_counter
_MISSING: Any = object()


class Call:
    """A guarded call. Use it as ``with guard.call(...) as call:`` (or ``async with``).

    Before the block runs, ``call.decision`` says what Blastwall decided; run the model
    only if ``call.should_run`` (then call ``call.model``, which a reroute changes), and
    report the result with ``call.set_output(...)``. Otherwise ``call.output`` already
    holds the fallback answer you registered for that decision.
    """

    # Class-level defaults: a call stores only what it uses, so creating one stays cheap.
    decision: Decision = Decision.proceed
    # What the levers decided, kept when a filter then blocks the call (decision: blocked).
    lever_decision: Decision | None = None
    should_run: bool = True
    levers: Levers = NORMAL
    outcome: Outcome = Outcome.ok
    error: str | None = None
    output: Any = None
    output_set: bool = False
    label: str | None = None
    confidence: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    raw_input: Any = None
    attributes: dict[str, Any] | None = None
    latency_ms: float | None = None
    confirmed_at: float | None = None  # when the lever state in use was last confirmed
    release: str | None = None
    surfaces: Mapping[str, int | str] | None = None
    # The release in force when the call began (None until the SDK has received one).
    active_release: ActiveRelease | None = None
    # The model that answered, as the app reported it (set_output(model=...)); never guessed.
    response_model: str | None = None
    _requested_model: str | None = None
    _ctx: Token[Call | None] | None = None
    _span: Any = None
    _span_token: Any = None

    def __init__(  # noqa: PLR0917 - positional: built only by Guard.call, on the hot path
        self,
        guard: Guard,
        user_id: str | None,
        input: Any,
        trace_id: str | None,
        model: str | None,
        release: str | None,
        surfaces: Mapping[str, int | str] | None,
    ) -> None:
        # Only what every call needs is stored; the rest stays at the class defaults.
        self.guard = guard
        self.user_id = user_id
        self.input = input
        self._trace_id = trace_id
        if model is None:
            model = guard.model
        # The release in force: one attribute load of an immutable snapshot, no I/O.
        active = guard.levers_cache.release
        if release is None:
            release = guard.release
        if surfaces is None:
            surfaces = guard.surfaces
        if active is not None:
            # A model surface's name (or none, with a single model surface) becomes its id.
            model = active.models.get(model, model)
            if release is None:
                release = active.name
            if surfaces is None:
                surfaces = active.versions
        # Stored unconditionally, in one order: instances then share one attribute layout.
        self.model = model
        self.active_release = active
        self.release = release
        self.surfaces = surfaces
        self.started_perf = _perf()

    # -- identity ---------------------------------------------------------------------

    @property
    def trace_id(self) -> str:
        """The trace id: the one given (if valid), the parent's, or a new one made on first use."""
        tid = self._trace_id
        if tid is None:
            # setdefault is atomic, so the app and the export thread agree on one new id.
            tid = self.__dict__.setdefault("_new_trace_id", new_trace_id())
            self._trace_id = tid
        return tid

    # -- what happened, as tuples; appended lock-free from any thread (see _append) --------

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(self.__dict__.get("_documents", ()))

    @property
    def gates(self) -> tuple[GateRecord, ...]:
        """Tool calls and actions that went through the gate, in order."""
        return tuple(self.__dict__.get("_gates", ()))

    @property
    def filter_hits(self) -> tuple[FilterHit, ...]:
        return tuple(self.__dict__.get("_filter_hits", ()))

    @property
    def levers_acted(self) -> tuple[str, ...]:
        """Levers that acted on this call, in order (e.g. ``("kill",)``)."""
        return tuple(dict.fromkeys(self.__dict__.get("_levers_acted", ())))

    @property
    def step_errors(self) -> tuple[str, ...]:
        """Steps and fallbacks that raised (they were skipped), as ``"step: error"``."""
        return tuple(self.__dict__.get("_step_errors", ()))

    def _append(self, key: str, *items: Any) -> None:
        # dict.setdefault and list.extend are each atomic: parallel tool threads of one
        # call never lose a record, and calls that record nothing allocate nothing.
        self.__dict__.setdefault(key, []).extend(items)

    def record_step_error(self, where: str, exc: BaseException) -> None:
        self._append("_step_errors", f"{where}: {_describe(exc)}")

    @property
    def at(self) -> float:
        """When the call began, as Unix seconds."""
        return wall_time(self.started_perf)

    @property
    def requested_model(self) -> str | None:
        """The model the app asked for, before a reroute or the provider's answer changed it."""
        requested = self._requested_model
        return self.model if requested is None else requested

    def switch_model(self, model: str) -> None:
        """Call ``model`` instead (reroute), remembering the one the app asked for."""
        if self._requested_model is None:
            self._requested_model = self.model
        self.model = model

    # -- the release in force -------------------------------------------------------------

    def surface(self, name: str, default: Any = _MISSING) -> Any:
        """The content of surface ``name`` in the release in force when the call began.

        The model id for a model surface, the template text for a prompt, the tuple of
        sources for retrieval, the (read-only) mapping for a config; the whole content
        when it lacks the usual key. Without ``default``, raises ``LookupError`` when no
        release is known yet or the release has no such surface.
        """
        active = self.active_release
        if active is not None and name in active.values:
            return active.values[name]
        if default is not _MISSING:
            return default
        if active is None:
            raise LookupError(
                f"no release of {self.guard.system}/{self.guard.environment} is known yet: "
                "activate one (`blastwall release activate`) or pass a default"
            )
        known = ", ".join(active.values) or "none"
        raise LookupError(f"release {active.name} has no surface {name!r} (its surfaces: {known})")

    @property
    def prompt(self) -> str | None:
        """The template of the release's only prompt surface (use ``surface()`` for several)."""
        active = self.active_release
        return None if active is None else active.prompt

    @property
    def config(self) -> Mapping[str, Any] | None:
        """The mapping of the release's only config surface (use ``surface()`` for several)."""
        active = self.active_release
        return None if active is None else active.config

    @property
    def system(self) -> str:
        return self.guard.system

    @property
    def environment(self) -> str:
        return self.guard.environment

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> Call:
        return self.begin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self.end(exc)
        return False

    async def __aenter__(self) -> Call:
        return self.begin()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self.end(exc)
        return False

    def begin(self) -> Call:
        """Run the pipeline's start steps (lever check, input filters, fallbacks)."""
        self._ctx = current_call.set(self)
        for hook in self.guard.pipeline.start:
            try:
                hook(self)
            except Exception as exc:
                self._step_failed(hook, exc)
        return self

    def end(self, exc: BaseException | None = None) -> None:
        """Close the call: record latency and any error, run the end steps (export) once."""
        if self.latency_ms is not None:
            return
        self.latency_ms = (_perf() - self.started_perf) * 1000.0
        if exc is not None:
            self.outcome = Outcome.blocked if isinstance(exc, Refused) else Outcome.error
            self.error = _describe(exc)
        for hook in self.guard.pipeline.end:
            try:
                hook(self)
            except Exception as hook_exc:
                self._step_failed(hook, hook_exc)
        token = self._ctx
        if token is not None:
            # try/except, not contextlib.suppress: this runs on every call and is free when
            # nothing is raised. ValueError: ended in another context than it began.
            try:  # noqa: SIM105
                current_call.reset(token)
            except ValueError:
                pass

    # -- what the app reports ---------------------------------------------------------

    def set_output(
        self,
        output: Any,
        *,
        label: str | None = None,
        confidence: float | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        model: str | None = None,
    ) -> Any:
        """Record the model's output; return it after output filters (show the returned value)."""
        self.output = output
        self.output_set = True
        if label is not None:
            self.label = label
        if confidence is not None:
            self.confidence = confidence
        if input_tokens is not None:
            self.input_tokens = input_tokens
        if output_tokens is not None:
            self.output_tokens = output_tokens
        if model is not None:
            self.response_model = model
            self.switch_model(model)
        self._run_output_steps()
        return self.output

    def set_attribute(self, key: str, value: Any) -> None:
        """Attach an app attribute to the trace (JSON-serialisable values)."""
        if self.attributes is None:
            self.attributes = {}
        self.attributes[key] = value

    @property
    def allowed_sources(self) -> frozenset[str] | None:
        """C6: the only retrieval sources allowed now, or None when every source is allowed."""
        return self.levers.retrieval_sources

    def add_documents(self, docs: Iterable[Any]) -> list[Any]:
        """Record retrieved documents; return those whose source the levers still allow.

        Each document is a mapping, an object with ``id``/``source``/``score``, or a tuple
        ``(id, source, score)``. Documents from a narrowed-out source are dropped here.
        """
        allowed = self.levers.retrieval_sources
        kept: list[Any] = []
        recorded: list[Document] = []
        dropped = False
        for doc in docs:
            record = Document.of(doc)
            if allowed is not None and record.source not in allowed:
                dropped = True
                continue
            kept.append(doc)
            recorded.append(record)
        if recorded:
            self._append("_documents", *recorded)
        if dropped:
            self.note_lever("narrow_retrieval")
        return kept

    def tools_allowed(self, names: Iterable[str]) -> list[str]:
        """The subset of ``names`` not disabled by a lever: offer only these to the model."""
        disabled = self.levers.disabled_tools
        return [n for n in names if n not in disabled]

    def record_tool(self, name: str, arguments: Mapping[str, Any], result: Any = None) -> None:
        """Record a tool call the app ran itself, without gating it."""
        record = GateRecord("tool", name, dict(arguments), status=GateStatus.fired, result=result)
        self._append("_gates", record)

    # -- gated tools and actions (C6, C7) ---------------------------------------------

    def tool(self, name: str, fn: Callable[..., Any], /, **arguments: Any) -> Any:
        """Run tool ``fn(**arguments)`` if the levers and its gate allow it.

        Raises ``ToolRefused`` (with a ``reason`` you can show) when the tool is disabled
        or its gate denies it; the refusal is recorded on the trace either way.
        """
        record = self.gate("tool", name, arguments)
        return self._fire(record, fn, ToolRefused)

    def action(self, name: str, fn: Callable[..., Any] | None = None, /, **arguments: Any) -> Any:
        """Fire downstream action ``name`` (calling ``fn(**arguments)`` if given) through its gate.

        Raises ``ActionRefused`` when a lever disables it, its validator fails, or a human
        denies (or does not answer) the approval an irreversible action needs.
        """
        record = self.gate("action", name, arguments)
        return self._fire(record, fn, ActionRefused)

    async def atool(self, name: str, fn: Callable[..., Any], /, **arguments: Any) -> Any:
        """``tool`` for async code: a human approval is awaited without blocking the loop."""
        record = await self._agate("tool", name, arguments)
        return await self._afire(record, fn, ToolRefused)

    async def aaction(
        self, name: str, fn: Callable[..., Any] | None = None, /, **arguments: Any
    ) -> Any:
        """``action`` for async code."""
        record = await self._agate("action", name, arguments)
        return await self._afire(record, fn, ActionRefused)

    def gate(self, kind: Kind, name: str, arguments: Mapping[str, Any]) -> GateRecord:
        """Run the gate steps for a tool call or action and record the outcome (no raising)."""
        record = GateRecord(kind, name, dict(arguments), reversible=self.guard.is_reversible(name))
        self._append("_gates", record)
        for hook in self.guard.pipeline.action:
            try:
                hook(self, record)
            except Exception as exc:
                self._step_failed(hook, exc)
                if not record.reversible:
                    # A broken gate must fail closed for what cannot be undone.
                    record.deny(
                        f"the gate failed ({type(exc).__name__}); refused to be safe",
                        gate="validator",
                    )
            if record.decided:
                break
        if record.status is None:
            record.status = GateStatus.fired
        return record

    async def _agate(self, kind: Kind, name: str, arguments: Mapping[str, Any]) -> GateRecord:
        if self.guard.needs_approval(name):
            return await asyncio.to_thread(self.gate, kind, name, arguments)
        return self.gate(kind, name, arguments)

    def _fire(
        self, record: GateRecord, fn: Callable[..., Any] | None, refused: type[Refused]
    ) -> Any:
        if record.status is not GateStatus.fired:
            raise refused(record.name, record.reason or f"{record.name!r} was refused")
        if fn is None:
            return None
        with self.guard.tool_span(record.name):
            try:
                record.result = fn(**record.arguments)
            except Exception as exc:
                record.status = GateStatus.error
                record.reason = _describe(exc)
                raise
        return record.result

    async def _afire(
        self, record: GateRecord, fn: Callable[..., Any] | None, refused: type[Refused]
    ) -> Any:
        if record.status is not GateStatus.fired:
            raise refused(record.name, record.reason or f"{record.name!r} was refused")
        if fn is None:
            return None
        with self.guard.tool_span(record.name):
            try:
                result = fn(**record.arguments)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                record.status = GateStatus.error
                record.reason = _describe(exc)
                raise
        record.result = result
        return result

    # -- used by steps ----------------------------------------------------------------

    def note_lever(self, lever: str) -> None:
        """Record that ``lever`` acted on this call."""
        self._append("_levers_acted", lever)

    def add_filter_hits(self, hits: Iterable[FilterHit]) -> None:
        self._append("_filter_hits", *hits)

    def refuse(self, decision: Decision, lever: str | None = None) -> None:
        """Replace the decision: the model must not run for this call."""
        self.decision = decision
        self.should_run = False
        if lever is not None:
            self.note_lever(lever)

    def _run_output_steps(self) -> None:
        for hook in self.guard.pipeline.output:
            try:
                hook(self)
            except Exception as exc:
                self._step_failed(hook, exc)

    def _step_failed(self, hook: Callable[..., Any], exc: Exception) -> None:
        self.record_step_error(repr(getattr(hook, "__self__", hook)), exc)

    def __repr__(self) -> str:
        return (
            f"<Call {self.guard.system}/{self.guard.environment} decision={self.decision.value}"
            f" outcome={self.outcome.value}>"
        )


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = "<unprintable>"
    return f"{type(exc).__name__}: {text}"[:500]
