"""String enums of the canaries domain."""

from __future__ import annotations

from enum import StrEnum


class CheckKind(StrEnum):
    """How a canary case's answer is judged."""

    contains = "contains"
    regex = "regex"
    label = "label"
    exact = "exact"
    json_schema = "json_schema"


class TargetKind(StrEnum):
    """How canary prompts reach the system: an importable callable or an HTTP endpoint."""

    python = "python"
    http = "http"


class Trigger(StrEnum):
    """Who started a canary run."""

    schedule = "schedule"
    manual = "manual"


class RunStatus(StrEnum):
    running = "running"
    passed = "passed"
    failed = "failed"
