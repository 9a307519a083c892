"""The Guard: what an app puts around every AI call (F1, F2, C1-C9, D6, D7)."""

from __future__ import annotations

import atexit
import contextlib
import os
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from blastwall.sdk import arguments, connection, handoff, otel
from blastwall.sdk.call import Call
from blastwall.sdk.context import accept_trace_id, current_call, request_trace_id
from blastwall.sdk.declarations import Declarations
from blastwall.sdk.decorator import guarded
from blastwall.sdk.enums import Decision, Rating, Stage, StalePolicy
from blastwall.sdk.events import Feedback
from blastwall.sdk.export import Exporter
from blastwall.sdk.fallbacks import Fallbacks, Handler
from blastwall.sdk.filters import PII, Filter, Secrets, builtin_filters, run_filters
from blastwall.sdk.filters.base import DEFAULT_MAX_CHARS
from blastwall.sdk.gate import (
    ActionGate,
    Approver,
    Declaration,
    NoApprover,
    ServerApprover,
    ToolScope,
    Validator,
)
from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.follower import LeverFollower
from blastwall.sdk.levers.state import Levers
from blastwall.sdk.pipeline import Pipeline
from blastwall.sdk.release.state import ActiveRelease
from blastwall.sdk.state_file import restore_levers, save_levers, state_file_path
from blastwall.sdk.steps import SINKS, Export, Fallback, InputFilters, LeverCheck, OutputFilters

F = TypeVar("F", bound=Callable[..., Any])


class Guard:
    """Guards the AI calls of one system in one environment.

    >>> guard = Guard(system="support-bot", environment="dev", server="")
    >>> with guard.call(user_id="u-1", input="hello") as call:
    ...     if call.should_run:
    ...         answer = call.set_output("hi there", input_tokens=3, output_tokens=2)
    >>> call.decision.value, call.output
    ('proceed', 'hi there')
    >>> guard.close()

    ``server`` defaults to ``$BLASTWALL_SERVER`` and ``token`` to ``$BLASTWALL_TOKEN``; pass
    ``server=""`` to run without a server (levers then come from the state file or tests).
    """

    def __init__(
        self,
        system: str,
        environment: str = "production",
        server: str | None = None,
        token: str | None = None,
        *,
        model: str | None = None,
        release: str | None = None,
        surfaces: Mapping[str, int | str] | None = None,
        fallbacks: Fallbacks | None = None,
        input_filters: Sequence[Filter] = (),
        output_filters: Sequence[Filter] = (),
        lever_filters: Sequence[Filter] = (),
        filter_max_chars: int = DEFAULT_MAX_CHARS,
        steps: Sequence[Any] = (),
        stale_policy: StalePolicy | str | None = None,
        stale_after_s: float | None = None,
        state_file: Path | str | bool | None = None,
        otel_spans: bool | None = None,
        operation: str = "chat",
        provider: str | None = None,
        tracer_provider: Any = None,
        redact_export: bool = False,
        max_queue: int = 10_000,
        batch_size: int = 500,
        flush_interval_s: float = 1.0,
        poll_interval_s: float = 1.0,
        use_stream: bool = True,
        startup_sync_s: float = 1.0,
        approver: Approver | None = None,
        approval_timeout_s: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        arguments.check_names(system, environment)
        arguments.check_positive(
            filter_max_chars=filter_max_chars,
            max_queue=max_queue,
            batch_size=batch_size,
            flush_interval_s=flush_interval_s,
            poll_interval_s=poll_interval_s,
            approval_timeout_s=approval_timeout_s,
            stale_after_s=1 if stale_after_s is None else stale_after_s,
        )
        arguments.check_stale_after(stale_after_s, poll_interval_s)
        policy = arguments.stale_policy(stale_policy)
        server = arguments.server_url(server)
        token = os.environ.get("BLASTWALL_TOKEN") if token is None else token

        self.system = system
        self.environment = environment
        self.server = server or None
        self.model = model
        self.release = release
        self.surfaces = dict(surfaces) if surfaces else None
        self.fallbacks = fallbacks or Fallbacks()
        self.stale_after_s = stale_after_s
        self._poll_interval_s = poll_interval_s
        self._declarations = Declarations()
        self._closed = False

        # Lever state: the file first, so a restart honours a kill before the network.
        self.levers_cache = LeverCache(system, environment)
        self.state_path = state_file_path(state_file, system, environment, self.server)
        if self.state_path is not None:
            restore_levers(self.levers_cache, self.state_path)
            self.levers_cache.saver = self._save_state

        self._client: httpx.Client | None = None
        self.follower: LeverFollower | None = None
        if self.server:
            self._client, self.follower = connection.connect(
                self.server,
                token,
                self.levers_cache,
                poll_interval_s=poll_interval_s,
                use_stream=use_stream,
                transport=transport,
            )

        redactor = _export_redactor() if redact_export else None
        self.exporter = Exporter(
            self._client,
            system=system,
            environment=environment,
            max_queue=max_queue,
            batch_size=batch_size,
            flush_interval_s=flush_interval_s,
            redact=redactor,
            lever_info=lambda: (self.levers_cache.revision, self.levers_cache.age()),
        )
        if approver is None:
            approver = (
                ServerApprover(self._client, timeout_s=approval_timeout_s)
                if self._client is not None
                else NoApprover()
            )
        self.approver = approver

        self.filters = builtin_filters()
        self.filters.update({f.name: f for f in lever_filters})
        self._otel: otel.OtelSpan | None = None
        if otel.AVAILABLE if otel_spans is None else otel_spans:
            self._otel = otel.OtelSpan(
                operation=operation, provider=provider, tracer_provider=tracer_provider
            )
        self.pipeline = self._build_pipeline(
            policy, input_filters, output_filters, filter_max_chars, steps
        )

        if self.follower is not None:
            if startup_sync_s > 0:
                connection.startup_sync(self.follower, startup_sync_s)
            self.follower.start()
        self.exporter.start()
        atexit.register(_close_at_exit, weakref.ref(self))

    # -- guarded calls ----------------------------------------------------------------

    def call(
        self,
        *,
        user_id: str | None = None,
        input: Any = None,
        trace_id: str | None = None,
        model: str | None = None,
        release: str | None = None,
        surfaces: Mapping[str, int | str] | None = None,
    ) -> Call:
        """A guarded call; use it as ``with guard.call(...) as call:`` or ``async with``.

        ``trace_id`` defaults to the enclosing guarded call's, else the HTTP request's
        (``TraceIdMiddleware``), else the active OpenTelemetry span's, else a new one. No
        I/O happens here or in the block's lever check: the decision comes from the
        in-memory lever snapshot.
        """
        if trace_id is None:
            parent = current_call.get()
            if parent is not None:
                trace_id = parent.trace_id
            else:
                trace_id = request_trace_id.get() or otel.active_trace_id()
        else:
            trace_id = accept_trace_id(trace_id)
        return Call(self, user_id, input, trace_id, model, release, surfaces)

    def guarded(self, fn: F | None = None, *, model: str | None = None) -> Any:
        """Decorator: ``fn(call, *args, **kw)`` runs only when the levers allow it.

        The decorated function is called as ``answer(input, *args, user_id=..., trace_id=...,
        **kw)`` and returns what the user should see: ``fn``'s result after output filters,
        or the fallback answer. Works on ``async def`` functions too.
        """

        def decorate(func: F) -> F:
            return guarded(self, func, model=model)

        return decorate(fn) if fn is not None else decorate

    # -- declarations -----------------------------------------------------------------

    def declare_tool(
        self,
        name: str,
        *,
        reversible: bool = True,
        validator: Validator | None = None,
        approval: bool = False,
        description: str = "",
    ) -> Declaration:
        """Declare a tool; irreversible ones need ``validator`` to pass or a human approval."""
        return self._declarations.declare(name, reversible, validator, approval, description)

    def declare_action(
        self,
        name: str,
        *,
        reversible: bool,
        validator: Validator | None = None,
        approval: bool = False,
        description: str = "",
    ) -> Declaration:
        """Declare a downstream action (refund, account hold, e-mail) and how it is gated."""
        return self._declarations.declare(name, reversible, validator, approval, description)

    def is_reversible(self, name: str) -> bool:
        return self._declarations.is_reversible(name)

    def needs_approval(self, name: str) -> bool:
        return self._declarations.needs_approval(name)

    def fallback(self, decision: Decision | str) -> Callable[[F], F]:
        """Decorator registering the answer for a decision: ``@guard.fallback("safe_mode")``."""

        def register(fn: F) -> F:
            self.fallbacks.set(decision, fn)
            return fn

        return register

    def set_fallback(self, decision: Decision | str, handler: Handler) -> None:
        self.fallbacks.set(decision, handler)

    def set_release(
        self, release: str | None, surfaces: Mapping[str, int | str] | None = None
    ) -> None:
        """The release (and surface versions) in force from now on, recorded on each call."""
        self.release = release
        self.surfaces = dict(surfaces) if surfaces else None

    # -- feedback and state -----------------------------------------------------------

    def feedback(
        self,
        trace_id: str,
        rating: Rating | str = Rating.wrong,
        *,
        comment: str | None = None,
        by: str | None = None,
        user_id: str | None = None,
    ) -> None:
        """D6: flag the response of trace ``trace_id``; queued, never blocks."""
        accepted = accept_trace_id(trace_id)
        if accepted is None:
            raise ValueError(
                f"trace_id={trace_id!r} is not a trace id: pass call.trace_id or the "
                "X-AI-Trace-Id header of the response being flagged"
            )
        try:
            kind = Rating(rating)
        except ValueError:
            choices = ", ".join(r.value for r in Rating)
            raise ValueError(f"rating={rating!r}: use one of {choices}") from None
        item = Feedback(
            accepted,
            kind,
            self.system,
            self.environment,
            comment=comment,
            by=by,
            user_id=user_id,
            at=time.time(),
        )
        if SINKS:
            for sink in tuple(SINKS):
                sink(item)
        self.exporter.submit(item)

    @property
    def levers(self) -> Levers:
        """The levers in force right now."""
        return self.levers_cache.levers

    @property
    def active_release(self) -> ActiveRelease | None:
        """The release in force right now, as the server last sent it (None before any)."""
        return self.levers_cache.release

    def stats(self) -> dict[str, Any]:
        """Health of this Guard's background work (for the app's own metrics)."""
        follower = self.follower
        return {
            "sent": self.exporter.sent,
            "dropped": self.exporter.dropped,
            "queued": self.exporter.queued,
            "handoffs_sent": self.exporter.handoffs_sent,
            "handoffs_lost": self.exporter.handoffs_lost,
            "lever_revision": self.levers_cache.revision,
            "lever_age_s": self.levers_cache.age(),
            "stream_connected": bool(follower and follower.connected),
            "lever_garbage": follower.garbage if follower else 0,
            "release": self.levers_cache.release.name if self.levers_cache.release else None,
            "release_error": self.levers_cache.release_error,
            "release_pending": follower.pending.release if follower and follower.pending else None,
        }

    def tool_span(self, name: str) -> contextlib.AbstractContextManager[None]:
        if self._otel is None:
            return contextlib.nullcontext()
        return self._otel.tool_span(name)

    def close(self, timeout: float = 2.0) -> None:
        """Stop following levers and flush queued events (waits at most about ``timeout``)."""
        if self._closed:
            return
        self._closed = True
        # Each background thread closes its own HTTP client when its last request is over,
        # so a thread still busy past ``timeout`` never meets a closed client.
        if self.follower is not None:
            self.follower.stop(timeout)
        self.exporter.close(timeout)

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Guard(system={self.system!r}, environment={self.environment!r})"

    # -- internals --------------------------------------------------------------------

    def _build_pipeline(
        self,
        policy: StalePolicy | None,
        input_filters: Sequence[Filter],
        output_filters: Sequence[Filter],
        max_chars: int,
        steps: Sequence[Any],
    ) -> Pipeline:
        """Built-in steps in order, the app's own steps, and export last."""
        built_in: list[Any] = [
            LeverCheck(
                self.levers_cache,
                stale_policy=policy,
                stale_after_s=self.stale_after_s,
                poll_interval_s=self._poll_interval_s,
            ),
            InputFilters(
                input_filters, self.filters, max_chars=max_chars, fallbacks=self.fallbacks
            ),
            Fallback(self.fallbacks, self._handoff),
            OutputFilters(
                output_filters, self.filters, max_chars=max_chars, fallbacks=self.fallbacks
            ),
            ToolScope(),
            ActionGate(self._declarations, self.approver),
        ]
        if self._otel is not None:
            built_in.append(self._otel)
        return Pipeline.build([*built_in, *steps, Export(self.exporter.submit)])

    def _save_state(self, cache: LeverCache) -> None:
        if self.state_path is not None:
            save_levers(self.state_path, cache)

    def _handoff(self, call: Call) -> None:
        self.exporter.submit_handoff(handoff.payload(self.system, self.environment, call))


def _export_redactor() -> Callable[[str], str]:
    filters = [PII(), Secrets()]

    def redact(text: str) -> str:
        return run_filters(filters, text, Stage.output).text

    return redact


def _close_at_exit(ref: weakref.ref[Guard]) -> None:
    guard = ref()
    if guard is not None:
        guard.close(timeout=2.0)
