"""States of a handoff in the human queue."""

from __future__ import annotations

from enum import StrEnum


class HandoffStatus(StrEnum):
    open = "open"
    claimed = "claimed"
    resolved = "resolved"
