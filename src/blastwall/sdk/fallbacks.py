"""What each lever means for the app (C2-C4): the answers given instead of the model's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from blastwall.sdk.enums import Decision

if TYPE_CHECKING:
    from blastwall.sdk.call import Call

log = logging.getLogger("blastwall.sdk")

Handler = str | Callable[["Call"], Any]

DEFAULTS: dict[Decision, str] = {
    Decision.killed: "This assistant is unavailable right now. Please try again later.",
    Decision.human_fallback: "A person will look at your request and get back to you.",
    Decision.safe_mode: (
        "This assistant is running in a limited mode right now and cannot answer that. "
        "Please try again later."
    ),
    Decision.blocked: "Sorry, I can't help with that request.",
}


@dataclass
class Fallbacks:
    """Per decision, a fixed answer or a handler ``fn(call) -> answer``.

    ``safe_mode`` is the place for a templated or retrieval-only answer; ``human`` runs
    after the request is queued for a person; ``reroute``, when set, answers a rerouted
    call itself (e.g. by calling your fallback model); when None the guarded block runs
    with ``call.model`` set to the model the lever names.
    """

    killed: Handler = DEFAULTS[Decision.killed]
    human: Handler = DEFAULTS[Decision.human_fallback]
    safe_mode: Handler = DEFAULTS[Decision.safe_mode]
    blocked: Handler = DEFAULTS[Decision.blocked]
    reroute: Callable[[Call], Any] | None = None

    def handler(self, decision: Decision) -> Handler | None:
        return {
            Decision.killed: self.killed,
            Decision.human_fallback: self.human,
            Decision.safe_mode: self.safe_mode,
            Decision.blocked: self.blocked,
            Decision.reroute: self.reroute,
        }.get(decision)

    def set(self, decision: Decision | str, handler: Handler) -> None:
        field = {
            Decision.killed: "killed",
            Decision.human_fallback: "human",
            Decision.safe_mode: "safe_mode",
            Decision.blocked: "blocked",
            Decision.reroute: "reroute",
        }.get(Decision(decision))
        if field is None:
            raise ValueError(f"{decision!r} has no fallback: a proceeding call runs the model")
        setattr(self, field, handler)

    def answer(self, decision: Decision, call: Call) -> tuple[Any, bool]:
        """(the answer for ``decision``, whether it came from app code and must be filtered)."""
        handler = self.handler(decision)
        if handler is None:
            return None, False
        if isinstance(handler, str):
            return handler, False
        try:
            return handler(call), True
        except Exception as exc:
            # The app's fallback failed; the user still gets the built-in answer.
            log.warning("blastwall: %s fallback raised %r; using the default answer", decision, exc)
            call.record_step_error(f"fallback {decision.value}", exc)
            return DEFAULTS.get(decision, DEFAULTS[Decision.killed]), False
