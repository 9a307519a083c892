"""The bulk insert stores exactly what SQLAlchemy's own INSERT would, and skips duplicates."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from blastwall.traces.bulk import RawJSON, insert_ignoring_duplicates
from blastwall.traces.rows import TRACES


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
    }
    return row | overrides


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
    session.execute(insert(TRACES), [_row("a" * 32)])
    fast = _row("b" * 32, payload=RawJSON('{"levers": ["kill"], "attributes": {"k": "é"}}'))
    insert_ignoring_duplicates(session, TRACES, [fast])
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
    insert_ignoring_duplicates(session, TRACES, [_row("c" * 32, label="first")])
    insert_ignoring_duplicates(session, TRACES, [_row("c" * 32, label="second"), _row("d" * 32)])
    labels = session.execute(text("SELECT event_id, label FROM traces ORDER BY event_id"))
    assert [tuple(r) for r in labels] == [("c" * 32, "first"), ("d" * 32, "fraud")]
