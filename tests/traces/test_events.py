"""Batch decoding and validation, without a database: every rejection names field and fix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from blastwall.exceptions import InvalidInput
from blastwall.traces.events import CallEvent
from blastwall.traces.ingest import Rejection, decode_body, parse_batch
from tests.traces.factories import call_event, status_event


def _parse(events: list[Any]) -> tuple[list[int], list[Rejection]]:
    good, rejected = parse_batch(json.dumps(events).encode())
    return [index for index, _ in good], rejected


def test_an_all_valid_batch_parses_into_typed_events() -> None:
    good, rejected = parse_batch(json.dumps([call_event(), status_event()]).encode())
    assert rejected == []
    assert isinstance(good[0][1], CallEvent)
    assert good[0][1].at.utcoffset() is not None
    assert [index for index, _ in good] == [0, 1]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"id": "abc"},
            "id: 'abc' is not valid: use 32 lower-case hex characters, e.g. uuid4().hex",
        ),
        (
            {"trace_id": "has space"},
            "trace_id: 'has space' is not valid: use 1-128 letters, digits, '.', '_', ':' or '-'",
        ),
        (
            {"system": "Refunds"},
            "system: 'Refunds' is not valid: use the system's registered "
            "name: a lower-case slug such as refund-classifier",
        ),
        ({"at": "2025-01-31T12:00:00"}, "at: Input should have timezone info"),
        ({"confidence": 1.5}, "confidence: Input should be less than or equal to 1"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        (
            {"type": None},
            "type: unknown type None; use one of call, feedback, filter_hit, sdk_status",
        ),
    ],
)
def test_each_bad_field_is_named_with_what_was_wrong(
    overrides: dict[str, Any], reason: str
) -> None:
    good, rejected = _parse([call_event(), call_event(**overrides)])
    assert good == [0]
    assert rejected == [Rejection(1, reason)]


def test_missing_type_and_non_object_items_are_rejected() -> None:
    no_type = call_event()
    del no_type["type"]
    good, rejected = _parse([no_type, "hello", call_event()])
    assert good == [2]
    assert rejected == [
        Rejection(0, "type: missing; use one of call, feedback, filter_hit, sdk_status"),
        Rejection(1, "event: Input should be an object"),
    ]


def test_identity_body_is_passed_through() -> None:
    assert decode_body(b"[]", None) == b"[]"
    assert decode_body(b"[]", "identity") == b"[]"


def test_truncated_gzip_is_refused() -> None:
    import gzip  # noqa: PLC0415

    whole = gzip.compress(b"[" + b"1," * 1000 + b"1]")
    with pytest.raises(InvalidInput, match="the gzip body is truncated"):
        decode_body(whole[: len(whole) // 2], "gzip")


def test_lone_surrogates_reject_only_their_event() -> None:
    body = json.dumps([call_event(), call_event(input="\ud800")]).encode()
    good, rejected = parse_batch(body)
    assert [index for index, _ in good] == [0]
    assert [r.index for r in rejected] == [1]
    assert rejected[0].reason.endswith("; send UTF-8 text (no lone surrogates)")


def test_escaped_backslash_before_u0000_is_left_alone() -> None:
    good, _ = parse_batch(json.dumps([call_event(input="a\\u0000b\x00")]).encode())
    assert isinstance(good[0][1], CallEvent)
    assert good[0][1].input == "a\\u0000b\ufffd"
