"""String enums of the postmortems domain: postmortem status, action item category/status."""

from __future__ import annotations

from enum import StrEnum


class PostmortemStatus(StrEnum):
    """draft -> in_review -> published; a published postmortem is final."""

    draft = "draft"
    in_review = "in_review"
    published = "published"


class Category(StrEnum):
    """What an action item fixes (L2); each gap suggests what it creates."""

    detection_gap = "detection_gap"
    rollback_gap = "rollback_gap"
    blast_radius = "blast_radius"
    slow_containment = "slow_containment"
    other = "other"


class ActionStatus(StrEnum):
    open = "open"
    done = "done"


class Creates(StrEnum):
    """What an action item can create through its owning domain's service (L3)."""

    monitor = "monitor"
    canary = "canary"
    gate = "gate"


# What each category asks for when the item does not say (L2: detection gap -> new monitor,
# blast radius -> action gate).
DEFAULT_CREATES: dict[Category, Creates] = {
    Category.detection_gap: Creates.monitor,
    Category.blast_radius: Creates.gate,
}
