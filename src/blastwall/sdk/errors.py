"""Errors the SDK raises on purpose; each message says what happened and what to do."""

from __future__ import annotations


class SDKError(Exception):
    """Base of every error the Blastwall SDK raises."""


class GuardConfigError(SDKError, ValueError):
    """The Guard was configured with a value it cannot use (raised at setup, never in a call)."""


class Refused(SDKError):
    """A lever or gate refused a tool call or action; ``reason`` is safe to show to the user."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason


class ToolRefused(Refused):
    """The tool is disabled (C6) or its gate denied it (C7)."""


class ActionRefused(Refused):
    """The downstream action is disabled or its gate denied it (C7): do not fire it."""
