"""The built-in steps of a guarded call: lever check, filters, fallbacks, export."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from blastwall.sdk.arguments import min_stale_after_s
from blastwall.sdk.enums import Decision, Outcome, Stage, StalePolicy
from blastwall.sdk.events import DEFAULT_STALE_AFTER_S
from blastwall.sdk.fallbacks import Fallbacks
from blastwall.sdk.filters.base import Filter, FilterHit, run_filters
from blastwall.sdk.filters.lever import LeverBlock
from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.state import model_killed
from blastwall.sdk.pipeline import Step

if TYPE_CHECKING:
    from blastwall.sdk.call import Call

log = logging.getLogger("blastwall.sdk")


# Receivers of every finished call and event (blastwall.testing.capture registers here).
SINKS: list[Callable[[Any], None]] = []

_perf = time.perf_counter
_proceeding = frozenset({Decision.proceed, Decision.reroute})
# Enum members bound to module names: a class attribute lookup on an Enum costs ~60 ns,
# which the hot path pays on every call otherwise.
_PROCEED = Decision.proceed
_KILLED = Decision.killed
_SAFE_MODE_POLICY = StalePolicy.safe_mode


class LeverCheck(Step):
    """C1-C4, C9: read the lever snapshot and decide before the model runs."""

    name = "lever_check"

    def __init__(
        self,
        cache: LeverCache,
        *,
        stale_policy: StalePolicy | None = None,
        stale_after_s: float | None = None,
        poll_interval_s: float = 1.0,
    ) -> None:
        self.cache = cache
        self.stale_policy = stale_policy
        self.stale_after_s = stale_after_s
        self.poll_interval_s = poll_interval_s
        self.started_at = _perf()
        self._warned: float | None = None

    def start(self, call: Call) -> None:
        cache = self.cache
        levers = call.levers = cache.levers
        call.confirmed_at = cache.confirmed_at
        if levers.active:
            if levers.killed:
                call.refuse(Decision.killed, "kill")
            elif levers.human_fallback:
                call.refuse(Decision.human_fallback, "human_fallback")
            elif levers.safe_mode:
                call.refuse(Decision.safe_mode, "safe_mode")
            elif levers.reroute_model is not None:
                call.decision = Decision.reroute
                call.switch_model(levers.reroute_model)
                call.note_lever("reroute")
        killed_models = cache.killed_models
        # After a reroute: the model actually called is the one that must not be killed.
        if (
            killed_models
            and call.decision in _proceeding
            and model_killed(call.model, killed_models) is not None
        ):
            call.refuse(_KILLED, "model_kill")
        if (
            (self.stale_policy or levers.stale_policy) is _SAFE_MODE_POLICY
            and call.decision in _proceeding
            and self.is_stale(call)
        ):
            call.refuse(Decision.safe_mode, "stale_safe_mode")

    def stale_after(self, call: Call) -> float:
        """The staleness limit in force, never below two of the server's confirmations.

        A limit from the server's registry, or a keep-alive interval the server announces
        longer than the default, could otherwise put a healthy app in safe mode.
        """
        wanted = self.stale_after_s or call.levers.stale_after_s or DEFAULT_STALE_AFTER_S
        floor = min_stale_after_s(self.cache.keepalive_s, self.poll_interval_s)
        if wanted >= floor:
            return wanted
        if self._warned != wanted:
            self._warned = wanted
            log.warning(
                "blastwall: stale_after_s=%g is shorter than two lever confirmations (the "
                "server sends a keep-alive every %g s); using %g s so a healthy connection "
                "is not taken for an outage",
                wanted,
                self.cache.keepalive_s,
                floor,
            )
        return floor

    def is_stale(self, call: Call) -> bool:
        """The state in use had not been confirmed within ``stale_after`` when the call began."""
        confirmed = call.confirmed_at
        # Never confirmed (no server yet, nothing on disk): the clock runs from Guard start.
        since = self.started_at if confirmed is None else confirmed
        return _perf() - since > self.stale_after(call)


class _FilterStep(Step):
    stage: Stage

    def __init__(
        self,
        always: Sequence[Filter],
        registry: Mapping[str, Filter],
        *,
        max_chars: int,
        fallbacks: Fallbacks,
    ) -> None:
        self.always = tuple(f for f in always if self.stage in _stages(f))
        self.registry = registry
        self.max_chars = max_chars
        self.fallbacks = fallbacks
        self._by_levers: dict[tuple[Any, ...], tuple[Filter, ...]] = {}
        self._unknown_warned: set[str] = set()

    def active(self, call: Call) -> tuple[tuple[Filter, ...], bool]:
        """(the filters to run now, whether a lever switched any of them on)."""
        levers = call.levers
        if not levers.filtering:
            return self.always, False
        key = (levers.filters, levers.blocks)
        from_levers = self._by_levers.get(key)
        if from_levers is None:
            from_levers = self._resolve(levers.filters, levers.blocks)
            if len(self._by_levers) < 64:
                self._by_levers[key] = from_levers
        return self.always + from_levers, bool(from_levers)

    def _resolve(
        self, names: tuple[str, ...], blocks: tuple[LeverBlock, ...]
    ) -> tuple[Filter, ...]:
        chosen = []
        for name in names:
            flt = self.registry.get(name)
            if flt is None:
                if name not in self._unknown_warned:
                    self._unknown_warned.add(name)
                    log.warning(
                        "blastwall: the filters lever names %r but this app registers no such "
                        "filter; pass it to Guard(lever_filters=[...])",
                        name,
                    )
                continue
            if self.stage in _stages(flt) and flt not in self.always:
                chosen.append(flt)
        # Blocks come last: named filters redact first, then carried terms/patterns refuse.
        for block in blocks:
            chosen.extend(f for f in block.filters() if self.stage in _stages(f))
        return tuple(chosen)

    def run(self, call: Call, value: Any) -> tuple[Any, FilterHit | None]:
        filters, by_lever = self.active(call)
        if not filters:
            return value, None
        if by_lever:
            call.note_lever("filters")
        result = run_filters(filters, value, self.stage, max_chars=self.max_chars)
        if result.hits:
            call.add_filter_hits(result.hits)
        if result.blocked is not None:
            return value, result.blocked
        if not result.hits:
            return value, None
        return result.text, None


def _stages(flt: Filter) -> tuple[Stage, ...]:
    return flt.stages


class InputFilters(_FilterStep):
    """C5: filter the input before the model (or a fallback) sees it; may block the call."""

    name = "input_filters"
    stage = Stage.input

    def start(self, call: Call) -> None:
        if call.decision is _KILLED or (not self.always and not call.levers.filtering):
            return
        text, blocked = self.run(call, call.input)
        if blocked is not None:
            call.lever_decision = call.decision
            call.refuse(Decision.blocked)
            call.outcome = Outcome.blocked
        elif text is not call.input:
            call.raw_input = call.input
            call.input = text


class Fallback(Step):
    """C2-C4: when the model must not run, answer with what the app registered."""

    name = "fallback"

    def __init__(self, fallbacks: Fallbacks, handoff: Callable[[Call], None]) -> None:
        self.fallbacks = fallbacks
        self.handoff = handoff

    def start(self, call: Call) -> None:
        decision = call.decision
        if decision is _PROCEED:
            return
        if decision is Decision.reroute:
            if self.fallbacks.reroute is None:
                return
            call.should_run = False
        if decision is Decision.human_fallback:
            self.handoff(call)
        answer, from_app = self.fallbacks.answer(decision, call)
        if from_app:
            call.set_output(answer)
        else:
            call.output = answer


class OutputFilters(_FilterStep):
    """C5, D7: filter the output before anyone sees it; a block replaces it with a refusal."""

    name = "output_filters"
    stage = Stage.output

    def output(self, call: Call) -> None:
        if not self.always and not call.levers.filtering:
            return
        text, blocked = self.run(call, call.output)
        if blocked is not None:
            answer, _ = self.fallbacks.answer(Decision.blocked, call)
            call.output = answer if isinstance(answer, str) else str(answer)
            call.outcome = Outcome.blocked
        else:
            call.output = text


class Export(Step):
    """Hand the finished call to the exporter's bounded queue (never blocks)."""

    name = "export"

    def __init__(self, submit: Callable[[Any], None]) -> None:
        self.submit = submit

    def end(self, call: Call) -> None:
        if SINKS:
            for sink in tuple(SINKS):
                sink(call)
        self.submit(call)
