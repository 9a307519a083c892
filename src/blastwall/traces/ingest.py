"""Event ingest: decode a batch, validate each event on its own, store the good ones in bulk.

A bad event never sinks its batch: it is reported by index and reason and the rest are
stored. Rows are written with one multi-row INSERT per table per batch (core statements,
no ORM objects), and ``ON CONFLICT (at, event_id) DO NOTHING`` makes a retried batch
idempotent. The caller's transaction commits before the response, so an acknowledged
event is on disk.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from blastwall.db.base import utcnow
from blastwall.exceptions import BlastwallError, InvalidInput
from blastwall.registry.models import System
from blastwall.server.json_depth import too_deep
from blastwall.traces import rows
from blastwall.traces.bulk import insert_ignoring_duplicates
from blastwall.traces.events import (
    EVENT_TYPES,
    PATTERN_HINTS,
    Event,
    batch_adapter,
    event_adapter,
)

MAX_EVENTS_PER_BATCH = 1000
"""The SDK sends at most 500; twice that leaves room for other producers."""
MAX_WIRE_BYTES = 16 * 1024 * 1024
"""Largest request body accepted as sent (compressed or not)."""
MAX_BODY_BYTES = 32 * 1024 * 1024
"""Largest body after gunzip; also what stops a gzip bomb."""


class PayloadTooLarge(BlastwallError):
    status_code = 413
    title = "Payload too large"


@dataclass(frozen=True)
class Rejection:
    index: int
    reason: str


@dataclass
class IngestResult:
    """How many events were stored (or already stored by an earlier try) and which were not."""

    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    @classmethod
    def of(cls, accepted: int, rejected: Iterable[Rejection]) -> IngestResult:
        return cls(accepted=accepted, rejected=sorted(rejected, key=lambda r: r.index))


def decode_body(raw: bytes, content_encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` (identity or gzip), refusing bodies that inflate too far."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return raw
    if encoding != "gzip":
        raise InvalidInput(
            f"Content-Encoding {content_encoding!r} is not supported: send gzip or no encoding"
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, MAX_BODY_BYTES + 1)
    except zlib.error as exc:
        raise InvalidInput(
            f"the body is not valid gzip ({exc}); compress the JSON with gzip or drop the "
            "Content-Encoding header"
        ) from None
    if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
        raise PayloadTooLarge(
            f"the batch inflates to more than {MAX_BODY_BYTES} bytes; send fewer events per "
            f"request (at most {MAX_EVENTS_PER_BATCH})"
        )
    if not inflater.eof:
        raise InvalidInput("the gzip body is truncated; send the whole compressed batch")
    # The server's edge measures plain JSON bodies as they arrive; a gzipped one only now.
    _check_depth(body)
    return body


def parse_batch(body: bytes) -> tuple[list[tuple[int, Event]], list[Rejection]]:
    """Validate a JSON list of events; return the good ones with their index, and rejections."""
    body = _without_nul(body)
    try:
        events = batch_adapter.validate_json(body)
    except ValidationError:
        pass  # some event is bad (or the body is): look at each one below
    else:
        _check_count(len(events))
        return list(enumerate(events)), []
    _check_depth(body)  # json.loads recurses per level: refuse deep nesting before it runs
    try:
        items = json.loads(body)
    except ValueError as exc:
        raise InvalidInput(
            f"the body is not valid JSON ({exc}); send a JSON list of events (docs/sdk.md)"
        ) from None
    if not isinstance(items, list):
        raise InvalidInput(
            f"the body is a JSON {type(items).__name__}, not a list; send a JSON list of "
            "events (docs/sdk.md)"
        )
    _check_count(len(items))
    good: list[tuple[int, Event]] = []
    rejected: list[Rejection] = []
    for index, item in enumerate(items):
        try:
            # Through JSON again so the same parser judges it: json.loads lets lone
            # surrogates through, which no database can store.
            good.append((index, event_adapter.validate_json(json.dumps(item))))
        except ValidationError as exc:
            rejected.append(Rejection(index, _reason(exc.errors())))
    return good, rejected


# A JSON \u0000 escape not itself escaped (an even run of backslashes before it).
_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def _without_nul(body: bytes) -> bytes:
    """Replace NUL characters in JSON strings with U+FFFD, as the SDK does.

    PostgreSQL cannot store NUL in text or JSONB; keeping the rest of the text beats
    refusing the event.
    """
    if b"\\u0000" not in body:
        return body
    return _NUL_ESCAPE.sub(rb"\1\\ufffd", body)


def _check_depth(body: bytes) -> None:
    reason = too_deep(body)
    if reason is not None:
        raise InvalidInput(reason)


def _check_count(count: int) -> None:
    if count > MAX_EVENTS_PER_BATCH:
        raise PayloadTooLarge(
            f"the batch has {count} events; send at most {MAX_EVENTS_PER_BATCH} per request"
        )


def _reason(errors: Sequence[ErrorDetails]) -> str:
    """One line naming each bad field, what was wrong, and how to fix it where we know."""
    parts = []
    for error in errors:
        loc = error["loc"]
        # The first location element is the union tag ('call', ...) once the type is known.
        if loc and loc[0] in EVENT_TYPES:
            loc = loc[1:]
        name = ".".join(str(p) for p in loc) or "event"
        message = error["msg"]
        if error["type"] == "union_tag_invalid":
            message = f"unknown type {error['input'].get('type')!r}; use one of " + ", ".join(
                EVENT_TYPES
            )
            name = "type"
        elif error["type"] == "union_tag_not_found":
            message = "missing; use one of " + ", ".join(EVENT_TYPES)
            name = "type"
        elif error["type"] == "json_invalid":
            message = f"{message}; send UTF-8 text (no lone surrogates)"
        elif error["type"] == "string_pattern_mismatch" and str(loc[-1]) in PATTERN_HINTS:
            message = f"{error['input']!r} is not valid: {PATTERN_HINTS[str(loc[-1])]}"
        parts.append(f"{name}: {message}")
    return "; ".join(parts)


def ingest(
    session: Session,
    raw: bytes,
    *,
    content_encoding: str | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Decode, validate and store a posted batch; the caller's unit of work commits it."""
    good, rejected = parse_batch(decode_body(raw, content_encoding))
    stored, unknown = store(session, good, received_at=now or utcnow())
    return IngestResult.of(stored, rejected + unknown)


def store(
    session: Session,
    events: Sequence[tuple[int, Event]],
    *,
    received_at: datetime,
    canary: bool = False,
) -> tuple[int, list[Rejection]]:
    """Insert validated events in bulk; events of unregistered systems are rejected.

    ``canary``: the calls are canary cases (the canary runner's; production monitors and
    review skip them).  Not reachable from ``/events``: SDK traffic is production traffic.
    """
    return insert(session, build(events, received_at=received_at, canary=canary))


@dataclass
class Built:
    """A batch's rows per table, with each row's index in the batch, and the systems named."""

    by_shape: dict[rows.Shape, list[tuple[Any, ...]]] = field(default_factory=dict)
    indexes: dict[rows.Shape, list[int]] = field(default_factory=dict)
    systems: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return sum(len(shape_rows) for shape_rows in self.by_shape.values())

    def keep(self, known: set[str]) -> list[Rejection]:
        """Drop the rows of systems not in ``known``; return their rejections."""
        if self.systems <= known:
            return []
        rejected = []
        for shape, shape_rows in self.by_shape.items():
            at = shape.columns.index("system")
            kept, indexes = [], []
            for index, values in zip(self.indexes[shape], shape_rows, strict=True):
                if values[at] in known:
                    kept.append(values)
                    indexes.append(index)
                else:
                    rejected.append(_unregistered(index, values[at]))
            self.by_shape[shape], self.indexes[shape] = kept, indexes
        self.systems &= known
        return rejected


def build(
    events: Sequence[tuple[int, Event]], *, received_at: datetime, canary: bool = False
) -> Built:
    """Turn validated events into rows; no database needed, so it runs before any lock."""
    built = Built(systems={event.system for _, event in events})
    row = rows.row
    for index, event in events:
        shape, values = row(event, received_at, canary=canary)
        shape_rows = built.by_shape.get(shape)
        if shape_rows is None:
            shape_rows = built.by_shape[shape] = []
            built.indexes[shape] = []
        shape_rows.append(values)
        built.indexes[shape].append(index)
    return built


def insert(session: Session, built: Built) -> tuple[int, list[Rejection]]:
    """Insert built rows; rows of unregistered systems are rejected instead."""
    rejected = built.keep(registered(session, built.systems))
    for shape, shape_rows in built.by_shape.items():
        insert_ignoring_duplicates(session, shape.table, shape.columns, shape_rows)
    return built.count, rejected


def _unregistered(index: int, system: str) -> Rejection:
    return Rejection(
        index,
        f"system: {system!r} is not registered; declare it in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`, or fix the system name the SDK is configured with",
    )


def registered(executor: Session | Connection, names: Iterable[str]) -> set[str]:
    """Which of ``names`` are registered systems."""
    names = list(names)
    if not names:
        return set()
    return set(executor.scalars(select(System.name).where(System.name.in_(names))))
