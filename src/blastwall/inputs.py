"""Rules every client input meets at the boundary, the same on SQLite and PostgreSQL.

- Ids fit the column they are looked up in: the tables' ``INTEGER`` keys hold at most
  2**31 - 1 on PostgreSQL (SQLite allows 2**63 - 1), so a larger id is refused as invalid
  input instead of overflowing inside the database driver.
- Text holds neither NUL (U+0000) nor a lone surrogate (U+D800-U+DFFF): PostgreSQL cannot
  store NUL in text or JSONB, and a lone surrogate cannot be encoded as UTF-8 in a reply or
  a database row. Control-plane inputs (incidents, levers, hand-offs, approvals, ...) refuse
  them so nothing is stored differently from what was sent; SDK telemetry (``/events``)
  keeps its own rule (NUL becomes U+FFFD, as the SDK already does before sending).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    NaiveDatetime,
    model_validator,
)
from pydantic_core import PydanticCustomError

INT32_MAX = 2**31 - 1
"""Largest value of an ``INTEGER`` column on PostgreSQL, the stricter of the two databases."""

INT64_MAX = 2**63 - 1
"""Largest value of a ``BIGINT`` column (and of any SQLite integer)."""

RowId = Annotated[int, Ge(1), Le(INT32_MAX)]
"""A row id (path, query or body): 1 to 2**31 - 1, the range of the tables' INTEGER keys."""

Position = Annotated[int, Ge(0), Le(INT32_MAX)]
"""A counter position such as a lever revision or audit sequence: 0 to 2**31 - 1."""

BigRowId = Annotated[int, Ge(1), Le(INT64_MAX)]
"""A row id kept in a BIGINT column: 1 to 2**63 - 1."""

_SURROGATES = range(0xD800, 0xE000)


def text_problem(value: str) -> str | None:
    """Say what makes ``value`` unstorable text and how to fix it, or None if it is fine."""
    if "\x00" in value:
        return "contains a NUL character (U+0000), which cannot be stored; remove it"
    # Fast path: a string that encodes as UTF-8 has no lone surrogate.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        at = next(i for i, char in enumerate(value) if ord(char) in _SURROGATES)
        return (
            f"contains a lone surrogate (U+{ord(value[at]):04X}) at character {at}, which is "
            "not valid Unicode; send UTF-8 text (pair surrogates or remove it)"
        )
    return None


def _strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    # Every string in a JSON-like value, keys included, with where it sits.
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield (*path, key), key
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))


def find_bad_text(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """The first string in ``value`` that is not storable text: (dotted location, problem)."""
    for where, text in _strings(value, path):
        problem = text_problem(text)
        if problem:
            return ".".join(where) or "value", problem
    return None


_TIMES = frozenset({datetime, AwareDatetime, NaiveDatetime})
_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _kinds(annotation: Any) -> set[Any]:
    # The plain types a field takes: int | None -> {int, NoneType}; Annotated is unwrapped.
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kinds(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return {kind for arg in get_args(annotation) for kind in _kinds(arg)}
    return {origin or annotation}


def _json_type_problem(kinds: set[Any], value: Any) -> str | None:
    """Why ``value`` is the wrong JSON type for a field of ``kinds``, or None if it is not.

    Pydantic's lax mode would read 0 as false, false as 0.0, and a number (or a numeric
    string) as seconds since 1970; a client that sent them most likely made a mistake.
    """
    if Any in kinds or object in kinds:
        return None
    if isinstance(value, bool):
        return None if bool in kinds else "must not be true or false"
    if kinds <= {bool, type(None)} and isinstance(value, int | float):
        # Text such as "no" is left to pydantic, whose error the configuration loader
        # turns into its own message (config_as_code/messages.py).
        return "must be true or false"
    is_number = isinstance(value, int | float) or (
        isinstance(value, str) and _NUMBER.fullmatch(value) is not None
    )
    if kinds & _TIMES and is_number and not kinds & {int, float, str}:
        return "must be an RFC 3339 time such as 2026-05-01T09:30:00Z, not a number"
    return None


class Input(BaseModel):
    """Base of every request shape: unknown fields are refused, text must be storable, and
    booleans, numbers and times must arrive as themselves (no lax coercion).

    The text check runs on the raw input before the fields are validated, so it covers
    free-form JSON (``arguments``, ``context``, ...) as well as plain string fields, and the
    message names the field.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _boundary(cls, data: Any) -> Any:
        bad = find_bad_text(data)
        if bad:
            where, problem = bad
            raise PydanticCustomError(
                "unstorable_text", "{where} {problem}", {"where": where, "problem": problem}
            )
        # A model-level check, not a field validator: pydantic allows no "before"
        # validator on a discriminator field (a canary check's `kind`).
        for name, field in cls.model_fields.items() if isinstance(data, dict) else ():
            key = field.alias if field.alias is not None else name
            wrong = _json_type_problem(_kinds(field.annotation), data[key]) if key in data else None
            if wrong:
                raise PydanticCustomError(
                    "wrong_type", "{where} {problem}", {"where": key, "problem": wrong}
                )
        return data


SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""Whitespace trimmed from free text: exactly JSON Schema's (ECMA-262) ``\\s``, so the
OpenAPI pattern and the server agree on what a blank text is."""

_TEXT = "[^\\u0000]*"
_NON_BLANK_PATTERN = f"^{_TEXT}[^\\s\\u0000]{_TEXT}$"  # one character that is not a space

NON_BLANK: dict[str, Any] = {"pattern": _NON_BLANK_PATTERN}
"""``json_schema_extra`` of a required free text: the OpenAPI says it is not blank."""


def trim(value: str) -> str:
    """Free text without surrounding spaces (an ``AfterValidator``: limits count what was sent)."""
    return value.strip(SPACE)


def trim_non_blank(value: str) -> str:
    """Like ``trim``, and refuse a text that was only spaces."""
    trimmed = value.strip(SPACE)
    if not trimmed:
        raise ValueError("must not be blank; write some text")
    return trimmed
