"""String enums of the SDK: what a guarded call decided, filter actions, stale policies."""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    """What the Guard decided before the model runs; only ``proceed`` and ``reroute`` run it."""

    proceed = "proceed"
    reroute = "reroute"
    killed = "killed"
    human_fallback = "human_fallback"
    safe_mode = "safe_mode"
    # An input filter configured to block matched: the model must not see this input.
    blocked = "blocked"


class FilterAction(StrEnum):
    """What a filter does with a match: replace it with a placeholder, or refuse the text."""

    redact = "redact"
    block = "block"


class Stage(StrEnum):
    input = "input"
    output = "output"


class StalePolicy(StrEnum):
    """C9: what a Guard does when the server has not confirmed its lever state for a while."""

    keep_last = "keep_last"
    safe_mode = "safe_mode"


class Rating(StrEnum):
    """D6: what a human says about a response."""

    wrong = "wrong"
    harmful = "harmful"
    correct = "correct"
    other = "other"


class Outcome(StrEnum):
    ok = "ok"
    blocked = "blocked"
    error = "error"


class GateStatus(StrEnum):
    """How a tool call or downstream action ended at the gate."""

    fired = "fired"
    refused = "refused"  # a lever or scope cut refused it (disabled tool)
    denied = "denied"  # a validator or a human said no, or the approval timed out
    error = "error"  # the app's tool function raised
