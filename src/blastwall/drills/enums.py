"""The words of drills: scenarios, how a run is held, where it stands."""

from __future__ import annotations

from enum import StrEnum


class Scenario(StrEnum):
    """A fault a drill injects (docs/drills.md describes each one)."""

    fraud_drift = "fraud-drift"
    retrieval_leak = "retrieval-leak"
    prompt_injection = "prompt-injection"
    compliance_output = "compliance-output"
    model_update = "model-update"
    temperature = "temperature"


class Mode(StrEnum):
    """``live`` injects the fault; ``tabletop`` walks the runbook with no fault."""

    live = "live"
    tabletop = "tabletop"


class RunStatus(StrEnum):
    running = "running"
    ended = "ended"
    timed_out = "timed_out"
