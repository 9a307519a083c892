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

from collections.abc import Iterator
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, model_validator
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


class Input(BaseModel):
    """Base of every request shape: unknown fields are refused, text must be storable.

    The text check runs on the raw input before the fields are validated, so it covers
    free-form JSON (``arguments``, ``context``, ...) as well as plain string fields, and the
    message names the field.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        bad = find_bad_text(data)
        if bad:
            where, problem = bad
            raise PydanticCustomError(
                "unstorable_text", "{where} {problem}", {"where": where, "problem": problem}
            )
        return data
