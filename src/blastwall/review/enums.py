"""String enums of the review queue."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a sampled output is in the queue."""

    pending = "pending"  # waiting for a reviewer
    claimed = "claimed"  # a reviewer holds it (until marked or the claim expires)
    done = "done"  # marked


class Verdict(StrEnum):
    """What a reviewer found the output to be."""

    correct = "correct"
    incorrect = "incorrect"
