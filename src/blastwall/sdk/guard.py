"""The Guard: what an app puts around every AI call (F1, F2, C1-C9, D6, D7)."""

from __future__ import annotations

import atexit
import contextlib
import functools
import inspect
import logging
import os
import re
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from blastwall.sdk import otel
from blastwall.sdk.call import Call
from blastwall.sdk.context import accept_trace_id, current_call, request_trace_id
from blastwall.sdk.enums import Decision, Rating, Stage, StalePolicy
from blastwall.sdk.errors import GuardConfigError
from blastwall.sdk.events import Feedback, clean_text, json_safe
from blastwall.sdk.export import Exporter
from blastwall.sdk.fallbacks import Fallbacks, Handler
from blastwall.sdk.filters import PII, Filter, Secrets, builtin_filters, run_filters, to_text
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
from blastwall.sdk.levers import store
from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.follower import LeverFollower
from blastwall.sdk.levers.state import Levers
from blastwall.sdk.pipeline import Pipeline
from blastwall.sdk.steps import SINKS, Export, Fallback, InputFilters, LeverCheck, OutputFilters
from blastwall.sdk.transport import make_client

log = logging.getLogger("blastwall.sdk")

SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
ENVIRONMENT = re.compile(r"[a-z0-9][a-z0-9._-]{0,49}")
ACTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
HANDOFF_INPUT_MAX = 32_768
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
        _check_names(system, environment)
        _check_positive(
            filter_max_chars=filter_max_chars,
            max_queue=max_queue,
            batch_size=batch_size,
            flush_interval_s=flush_interval_s,
            poll_interval_s=poll_interval_s,
            approval_timeout_s=approval_timeout_s,
            stale_after_s=1 if stale_after_s is None else stale_after_s,
        )
        policy = _stale_policy(stale_policy)
        server = _server_url(server)
        token = os.environ.get("BLASTWALL_TOKEN") if token is None else token

        self.system = system
        self.environment = environment
        self.server = server or None
        self.model = model
        self.release = release
        self.surfaces = dict(surfaces) if surfaces else None
        self.fallbacks = fallbacks or Fallbacks()
        self.stale_after_s = stale_after_s
        self._declarations: dict[str, Declaration] = {}
        self._closed = False

        # Lever state: the file first, so a restart honours a kill before the network.
        self.levers_cache = LeverCache(system, environment)
        self.state_path = self._state_path(state_file)
        if self.state_path is not None:
            saved = store.load(self.state_path)
            if saved is not None:
                self.levers_cache.apply(saved.states, confirm=False)
                if saved.confirmed_wall is not None:
                    self.levers_cache.confirm(wall=saved.confirmed_wall)
            self.levers_cache.saver = self._save_state

        self._client: httpx.Client | None = None
        self.follower: LeverFollower | None = None
        if self.server:
            self._client = make_client(
                self.server, token, timeout=httpx.Timeout(5.0, connect=2.0), transport=transport
            )
            stream_client = make_client(
                self.server,
                token,
                # Keep-alives come every few seconds; three missed means the stream is dead.
                timeout=httpx.Timeout(5.0, connect=2.0, read=15.0),
                transport=transport,
            )
            self.follower = LeverFollower(
                self.levers_cache,
                stream_client,
                poll_interval_s=poll_interval_s,
                use_stream=use_stream,
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
                self._startup_sync(startup_sync_s)
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
        (``TraceIdMiddleware``), else a new one. No I/O happens here or in the block's
        lever check: the decision comes from the in-memory lever snapshot.
        """
        if trace_id is None:
            parent = current_call.get()
            trace_id = parent.trace_id if parent is not None else request_trace_id.get()
        else:
            trace_id = accept_trace_id(trace_id)
        return Call(
            self,
            user_id,
            input,
            trace_id,
            model,
            release,
            surfaces,
        )

    def guarded(self, fn: F | None = None, *, model: str | None = None) -> Any:
        """Decorator: ``fn(call, *args, **kw)`` runs only when the levers allow it.

        The decorated function is called as ``answer(input, *args, user_id=..., trace_id=...,
        **kw)`` and returns what the user should see: ``fn``'s result after output filters,
        or the fallback answer. Works on ``async def`` functions too.
        """

        def decorate(func: F) -> F:
            if inspect.iscoroutinefunction(func):

                @functools.wraps(func)
                async def run_async(
                    input: Any,
                    *args: Any,
                    user_id: str | None = None,
                    trace_id: str | None = None,
                    **kwargs: Any,
                ) -> Any:
                    async with self.call(
                        user_id=user_id, input=input, trace_id=trace_id, model=model
                    ) as call:
                        if call.should_run:
                            result = await func(call, *args, **kwargs)
                            if not call.output_set:
                                call.set_output(result)
                    return call.output

                return run_async  # type: ignore[return-value]

            @functools.wraps(func)
            def run(
                input: Any,
                *args: Any,
                user_id: str | None = None,
                trace_id: str | None = None,
                **kwargs: Any,
            ) -> Any:
                with self.call(
                    user_id=user_id, input=input, trace_id=trace_id, model=model
                ) as call:
                    if call.should_run:
                        result = func(call, *args, **kwargs)
                        if not call.output_set:
                            call.set_output(result)
                return call.output

            return run  # type: ignore[return-value]

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
        return self._declare(name, reversible, validator, approval, description)

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
        return self._declare(name, reversible, validator, approval, description)

    def _declare(
        self,
        name: str,
        reversible: bool,
        validator: Validator | None,
        approval: bool,
        description: str,
    ) -> Declaration:
        if not isinstance(name, str) or not ACTION_NAME.fullmatch(name):
            raise GuardConfigError(
                f"name={name!r}: name the tool or action with letters, digits, '.', '_', ':' "
                "or '-' (at most 100, starting with a letter or digit), e.g. 'issue_refund'"
            )
        if validator is not None and not callable(validator):
            raise GuardConfigError(
                f"validator for {name!r} must be a function arguments -> True | False | reason"
            )
        declaration = Declaration(name, reversible, validator, approval, description)
        self._declarations[name] = declaration
        return declaration

    def is_reversible(self, name: str) -> bool:
        declared = self._declarations.get(name)
        return True if declared is None else declared.reversible

    def needs_approval(self, name: str) -> bool:
        declared = self._declarations.get(name)
        return declared is not None and declared.needs_approval

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
        if self.follower is not None:
            self.follower.stop(timeout)
            self.follower.client.close()
        self.exporter.close(timeout)
        if self._client is not None:
            self._client.close()

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
            LeverCheck(self.levers_cache, stale_policy=policy, stale_after_s=self.stale_after_s),
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

    def _state_path(self, state_file: Path | str | bool | None) -> Path | None:
        if state_file is False:
            return None
        if isinstance(state_file, str | Path):
            return Path(state_file)
        if state_file is None and not self.server:
            return None  # offline and not asked to: nothing to persist
        return store.default_dir() / store.file_name(self.system, self.environment, self.server)

    def _save_state(self, cache: LeverCache) -> None:
        path = self.state_path
        if path is None:
            return
        try:
            store.save(path, cache.states(), cache.confirmed_wall)
        except OSError as exc:
            log.warning("blastwall: cannot write lever state file %s (%s)", path, exc)

    def _startup_sync(self, timeout_s: float) -> None:
        follower = self.follower
        if follower is None:
            return
        with _timeout(follower.client, timeout_s):
            follower.poll()

    def _handoff(self, call: Call) -> None:
        self.exporter.submit_handoff(
            {
                "system": self.system,
                "environment": self.environment,
                "trace_id": call.trace_id,
                "user_id": None if call.user_id is None else clean_text(str(call.user_id), 200),
                "input": clean_text(to_text(call.input), HANDOFF_INPUT_MAX - 40),
                "reason": "human_fallback",
                "context": {
                    "release": call.release,
                    "model": call.requested_model,
                    "attributes": json_safe(call.attributes or {}),
                },
            }
        )


def _check_names(system: object, environment: object) -> None:
    if not isinstance(system, str) or not SLUG.fullmatch(system):
        raise GuardConfigError(
            f"system={system!r} is not a system name: use the registry's lower-case "
            "name, e.g. 'refund-classifier' (letters, digits, '.', '_', '-')"
        )
    if not isinstance(environment, str) or not ENVIRONMENT.fullmatch(environment):
        raise GuardConfigError(
            f"environment={environment!r}: name the one environment this process runs "
            "in as a lower-case slug of at most 50 characters, e.g. 'production'"
        )


def _check_positive(**values: float) -> None:
    for label, value in values.items():
        if not value > 0:
            raise GuardConfigError(f"{label}={value!r} must be greater than 0")


def _stale_policy(value: StalePolicy | str | None) -> StalePolicy | None:
    try:
        return None if value is None else StalePolicy(value)
    except ValueError:
        raise GuardConfigError(f"stale_policy={value!r}: use 'keep_last' or 'safe_mode'") from None


def _server_url(server: str | None) -> str:
    server = os.environ.get("BLASTWALL_SERVER", "") if server is None else server
    if server and not server.startswith(("http://", "https://")):
        raise GuardConfigError(
            f"server={server!r} must be the server's URL, e.g. 'http://blastwall:7300'"
        )
    return server


@contextlib.contextmanager
def _timeout(client: httpx.Client, seconds: float) -> Iterator[None]:
    previous = client.timeout
    client.timeout = httpx.Timeout(seconds)
    try:
        yield
    finally:
        client.timeout = previous


def _export_redactor() -> Callable[[str], str]:
    filters = [PII(), Secrets()]

    def redact(text: str) -> str:
        return run_filters(filters, text, Stage.output).text

    return redact


def _close_at_exit(ref: weakref.ref[Guard]) -> None:
    guard = ref()
    if guard is not None:
        guard.close(timeout=2.0)
