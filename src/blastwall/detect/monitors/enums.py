"""String enums of monitors: the signals a monitor can watch and the states it moves through."""

from __future__ import annotations

from enum import StrEnum


class Signal(StrEnum):
    """What a monitor turns each event into (docs/detection.md, "Monitors and the engine")."""

    output_category = "output_category"
    refusal_rate = "refusal_rate"
    response_length = "response_length"
    latency = "latency"
    confidence = "confidence"
    filter_hit_rate = "filter_hit_rate"
    output_pattern = "output_pattern"
    input_numeric = "input_numeric"
    input_category = "input_category"
    input_embedding = "input_embedding"
    action_rate = "action_rate"
    feedback_rate = "feedback_rate"
    review_accuracy = "review_accuracy"
    canary_failures = "canary_failures"


class ReferenceKind(StrEnum):
    """Where a monitor's baseline comes from."""

    # The first N observations after a release becomes active (re-learned on each activation).
    release = "release"
    # Every observation whose event time falls in a fixed time range.
    pinned = "pinned"


class Phase(StrEnum):
    """Where a monitor is in its life."""

    waiting = "waiting"  # pinned reference range not over yet
    learning = "learning"  # collecting the reference window
    monitoring = "monitoring"  # baseline known, watching for a change
    disabled = "disabled"
    error = "error"  # cannot monitor; the message says why and how to fix it


class VerificationStatus(StrEnum):
    """Whether the stream came back to its baseline after a rollback or lever change (R3)."""

    pending = "pending"
    verified = "verified"
    not_verified = "not_verified"
    superseded = "superseded"  # a later change on the same incident is being verified instead
