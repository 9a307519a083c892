"""String enums of the registry: risk tiers, surface kinds, stale-state policies."""

from __future__ import annotations

from enum import StrEnum


class RiskTier(StrEnum):
    """How much harm the system can do when it fails (P1)."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class SurfaceKind(StrEnum):
    """The four things that change under an AI system and can each be rolled back (R1)."""

    model = "model"
    prompt = "prompt"
    retrieval = "retrieval"
    config = "config"


class StalePolicy(StrEnum):
    """What an SDK instance does when its lever state is older than ``stale_after_s`` (C9)."""

    keep_last = "keep_last"
    safe_mode = "safe_mode"


class ChangeAction(StrEnum):
    """What an upsert did (or would do) to a system; config-as-code shows it in its plan."""

    create = "create"
    update = "update"
    unchanged = "unchanged"


KNOWN_GOOD = "known-good"
"""The rollback target that means "the newest release marked known-good"."""
