"""Name rules for systems, environments, surfaces, actions and releases (URL-safe slugs)."""

from __future__ import annotations

import re

from blastwall.exceptions import InvalidInput

NAME_MAX = 100
ENVIRONMENT_MAX = 50


def slug_pattern(max_length: int) -> str:
    return rf"^[a-z0-9][a-z0-9._-]{{0,{max_length - 1}}}$"


def slug_problem(value: str, max_length: int = NAME_MAX) -> str | None:
    """Say what is wrong with ``value`` as a name and how to fix it, or None if it is fine."""
    if re.fullmatch(slug_pattern(max_length), value):
        return None
    return (
        f"{value!r} is not a valid name: use 1-{max_length} lower-case letters, digits, "
        "'.', '_' or '-', starting with a letter or digit (e.g. support-agent)"
    )


def require_slug(what: str, value: str, max_length: int = NAME_MAX) -> str:
    """Return ``value`` if it is a valid name; else raise InvalidInput naming ``what``."""
    problem = slug_problem(value, max_length)
    if problem:
        raise InvalidInput(f"{what}: {problem}")
    return value
