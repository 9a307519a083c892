"""String enums of the levers domain: lever names (authority rules) and emergency filters."""

from __future__ import annotations

from enum import StrEnum


class Lever(StrEnum):
    """A lever a responder pulls (C1-C6); authority rules (I4) are written per lever."""

    kill = "kill"
    human_fallback = "human_fallback"
    safe_mode = "safe_mode"
    reroute = "reroute"
    filters = "filters"
    disable_tools = "disable_tools"
    narrow_retrieval = "narrow_retrieval"
    restore = "restore"


class Filter(StrEnum):
    """Built-in emergency filters (C5); ``custom:<name>`` names a filter the app registers."""

    pii = "pii"
    secrets = "secrets"
    prompt_injection = "prompt_injection"
    blocklist = "blocklist"


CUSTOM_FILTER_PREFIX = "custom:"

ALL_ENVIRONMENTS = "*"
"""The environment value meaning "every environment of the system"."""

ANY = "*"
"""Wildcard for the lever or system of an authority rule."""
