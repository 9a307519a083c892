"""The bulk insert stores exactly what SQLAlchemy's own INSERT would, and skips duplicates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from blastwall.traces import bulk
from blastwall.traces.bulk import RawJSON, insert_ignoring_duplicates
from blastwall.traces.rows import FEEDBACK, FILTER_HITS, SDK_STATUS, TRACES, Shape

TABLE = TRACES.table


def _row(event_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": event_id,
        "trace_id": "t-1",
        "system": "refund-classifier",
        "environment": "production",
        "at": datetime(2025, 1, 31, 14, 0, tzinfo=timezone(timedelta(hours=2))),
        "received_at": datetime(2025, 1, 31, 12, 0, 1, 500, tzinfo=UTC),
        "user_id": "u-1",
        "decision": "proceed",
        "outcome": "ok",
        "label": "fraud",
        "confidence": 0.5,
        "model": "m",
        "release": "r1",
        "latency_ms": 12.5,
        "input_text": "hé",
        "output_text": None,
        "truncated": True,
        "payload": {"levers": ["kill"], "attributes": {"k": "é"}},
        "canary": False,
        "fired_actions": '[["hold_account",false]]',
    }
    return row | overrides


def _columns_and_values(
    rows: list[dict[str, Any]],
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    return TRACES.columns, [tuple(row[c] for c in TRACES.columns) for row in rows]


def _stored(session: Session, event_id: str) -> dict[str, Any]:
    result = session.execute(
        text(
            "SELECT at, received_at, truncated, payload, input_text, output_text "
            "FROM traces WHERE event_id = :e"
        ),
        {"e": event_id},
    )
    return dict(result.mappings().one())


def test_bulk_rows_read_back_like_sqlalchemy_rows(session: Session) -> None:
    session.execute(insert(TABLE), [_row("a" * 32)])
    fast = _row("b" * 32, payload=RawJSON('{"levers": ["kill"], "attributes": {"k": "é"}}'))
    insert_ignoring_duplicates(session, TABLE, *_columns_and_values([fast]))
    reference, ours = _stored(session, "a" * 32), _stored(session, "b" * 32)
    assert ours["at"] == reference["at"]
    assert ours["received_at"] == reference["received_at"]
    assert ours["truncated"] == reference["truncated"]
    assert (ours["input_text"], ours["output_text"]) == ("hé", None)
    # JSON text may differ in spacing between serializers; its content may not.
    if isinstance(ours["payload"], str):
        assert json.loads(ours["payload"]) == json.loads(reference["payload"])
    else:
        assert ours["payload"] == reference["payload"]


def test_rows_with_a_known_event_id_are_skipped(session: Session) -> None:
    insert_ignoring_duplicates(
        session, TABLE, *_columns_and_values([_row("c" * 32, label="first")])
    )
    insert_ignoring_duplicates(
        session, TABLE, *_columns_and_values([_row("c" * 32, label="second"), _row("d" * 32)])
    )
    labels = session.execute(text("SELECT event_id, label FROM traces ORDER BY event_id"))
    assert [tuple(r) for r in labels] == [("c" * 32, "first"), ("d" * 32, "fraud")]


def test_batches_longer_than_one_statement_are_stored_whole_and_once(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite writes a batch as multi-row INSERTs of at most ROWS_PER_STATEMENT rows.
    monkeypatch.setattr(bulk, "ROWS_PER_STATEMENT", 2)
    ids = [f"{n:032x}" for n in (1, 2, 3, 2, 4)]  # a duplicate inside the batch, too
    insert_ignoring_duplicates(
        session, TABLE, *_columns_and_values([_row(i, label=f"l{n}") for n, i in enumerate(ids)])
    )
    labels = session.execute(text("SELECT event_id, label FROM traces ORDER BY event_id"))
    assert [(int(e, 16), label) for e, label in labels] == [
        (1, "l0"),
        (2, "l1"),
        (3, "l2"),
        (4, "l4"),
    ]


def test_row_builders_must_give_the_tables_columns_in_order() -> None:
    with pytest.raises(RuntimeError, match="rows for traces give"):
        Shape(TABLE, TRACES.columns[::-1]).check()
    for shape in (TRACES, FEEDBACK, FILTER_HITS, SDK_STATUS):
        shape.check()
