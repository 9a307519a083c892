"""One shape for every list: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out.

Keyset pagination on the list's ordering key (e.g. ``id`` or ``(at, id)``): a page starts
strictly after the last row of the previous one, so rows inserted meanwhile never shift a
page (no row is skipped or repeated, unlike OFFSET), and each page costs one index range
scan however deep it is. The cursor is opaque to clients: URL-safe base64 of the list's
name and the last row's key, checked on the way back in so a cursor from another list or
a hand-edited one is a clear 422, never a 500 or a silently wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, ColumnElement, Select, TypeDecorator, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from blastwall.exceptions import InvalidInput
from blastwall.inputs import INT32_MAX, INT64_MAX

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class PageQuery:
    """What the client asked for: how many items, and where to resume."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def paginate(
    session: Session,
    statement: Select[T],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    list_name: str,
    page: PageQuery | None,
    descending: bool = False,
) -> Page[T]:
    """Run ``statement`` (filters only, no ORDER BY or LIMIT) for one page of ``page.limit``.

    ``keys`` is the ordering key, unique together (end with the primary key); rows come in
    that order, ascending or ``descending``. ``list_name`` binds cursors to this list.
    """
    page = _checked(page)
    if page.cursor:
        after = decode(page.cursor, list_name=list_name, keys=keys)
        statement = statement.where(_after(keys, after, descending=descending))
    order = [key.desc() if descending else key.asc() for key in keys]
    rows = list(session.scalars(statement.order_by(*order).limit(page.limit + 1)))
    if len(rows) <= page.limit:
        return Page(rows, None)
    rows = rows[: page.limit]
    last = [getattr(rows[-1], key.key) for key in keys]
    return Page(rows, encode(list_name, last))


def paginate_items(
    items: Iterable[T],
    *,
    key: Callable[[T], tuple[str, ...]],
    width: int,
    list_name: str,
    page: PageQuery | None,
) -> Page[T]:
    """One page of ``items`` built in Python, in ``key`` order (text, unique together).

    For the few lists that are not rows of one table: the authority rules in force (the
    defaults when none are stored) and a system's lever scopes (the all-environments one
    exists even before it is stored). They are short by nature, so sorting them in Python
    costs nothing; the cursor, limits and 422s are the same as :func:`paginate`'s.
    ``width`` is the number of parts of ``key``, so a cursor is checked even on an empty list.
    """
    page = _checked(page)
    ordered = sorted(items, key=key)
    if page.cursor:
        after = tuple(_decode_text(page.cursor, list_name=list_name, width=width))
        ordered = [item for item in ordered if key(item) > after]
    if len(ordered) <= page.limit:
        return Page(ordered, None)
    rows = ordered[: page.limit]
    return Page(rows, encode(list_name, list(key(rows[-1]))))


def _checked(page: PageQuery | None) -> PageQuery:
    """``page`` (the first page of the default size when None), its limit in range."""
    page = page or PageQuery()
    if not 1 <= page.limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit: {page.limit} is out of range; use 1 to {MAX_LIMIT}", field="limit"
        )
    return page


def _after(
    keys: Sequence[InstrumentedAttribute[Any]], values: list[Any], *, descending: bool
) -> ColumnElement[bool]:
    """Rows strictly past ``values`` in key order: (a, b) > (x, y) spelt out, as row-value
    comparison is not portable to every SQLite build."""
    clauses: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        equal = [keys[j] == values[j] for j in range(i)]
        past = key < values[i] if descending else key > values[i]
        clauses.append(and_(*equal, past))
    return or_(*clauses)


def encode(list_name: str, values: list[Any]) -> str:
    """The opaque cursor for the row whose key is ``values``."""
    key = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"l": list_name, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, *, list_name: str, keys: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    """The key values in ``cursor``; InvalidInput (422) when this list did not make it."""
    values = _key_of(cursor, list_name=list_name, width=len(keys))
    decoded = [_value(v, key) for v, key in zip(values, keys, strict=True)]
    if any(v is None for v in decoded):
        raise _refused(cursor)
    return decoded


def _decode_text(cursor: str, *, list_name: str, width: int) -> list[str]:
    """The text key in a cursor of :func:`paginate_items`; InvalidInput (422) otherwise."""
    values = _key_of(cursor, list_name=list_name, width=width)
    if not all(isinstance(v, str) for v in values):
        raise _refused(cursor)
    return values


def _key_of(cursor: str, *, list_name: str, width: int) -> list[Any]:
    """The ``width`` raw key values of a cursor that ``list_name`` made."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise _refused(cursor) from None
    if not isinstance(data, dict) or data.get("l") != list_name:
        raise _refused(cursor)
    values = data.get("k")
    if not isinstance(values, list) or len(values) != width:
        raise _refused(cursor)
    return values


def _refused(cursor: str) -> InvalidInput:
    return InvalidInput(
        f"cursor: {cursor[:80]!r} is not a cursor of this list; pass next_cursor from the "
        "previous page unchanged, or leave cursor out for the first page",
        field="cursor",
    )


def _value(value: Any, key: InstrumentedAttribute[Any]) -> Any:
    """``value`` as the key column's Python type, or None when it is not one."""
    column_type = key.type
    # A TypeDecorator (UTCDateTime) reports ``object``; the type it wraps knows better.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    expected = column_type.python_type
    if expected is datetime:
        text = value.get("t") if isinstance(value, dict) else None
        try:
            parsed = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            return None
        return parsed if parsed is not None and parsed.tzinfo is not None else None
    if expected is int:
        # Past the column's range no row can have it, and PostgreSQL refuses the comparison
        # ("integer out of range"): an INTEGER key holds 32 bits there, a BIGINT 64.
        limit = INT64_MAX if isinstance(column_type, BigInteger) else INT32_MAX
        fits = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= limit
        return value if fits else None
    return value if isinstance(value, expected) and isinstance(value, str) else None
