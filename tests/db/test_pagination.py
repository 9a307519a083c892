"""The one list shape: keyset pages that read every row once, stay put under inserts, and
refuse a cursor the list did not make with a 422 that says what to do."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.db.pagination import Page, PageQuery, encode, paginate
from blastwall.exceptions import InvalidInput
from blastwall.traces.models import Trace

T0 = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


def add_traces(session: Session, seconds: list[int], *, first: int = 0) -> None:
    """One trace per entry, at T0 + that many seconds (equal entries tie on ``at``)."""
    for n, offset in enumerate(seconds, start=first):
        session.add(
            Trace(
                event_id=f"e{n}",
                trace_id=f"t{n}",
                system="support-bot",
                environment="prod",
                at=T0 + timedelta(seconds=offset),
                received_at=T0,
                decision="proceed",
                outcome="ok",
                payload={},
            )
        )
    session.flush()


def traces_page(session: Session, limit: int, cursor: str | None = None) -> Page[Trace]:
    return paginate(
        session,
        select(Trace),
        keys=[Trace.at, Trace.id],
        list_name="traces",
        page=PageQuery(limit=limit, cursor=cursor),
        descending=True,
    )


def test_pages_read_every_row_once_newest_first_through_ties(session: Session) -> None:
    # Four rows share one timestamp, so a page boundary falls inside the tie.
    add_traces(session, [0, 5, 5, 5, 5, 9])
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = traces_page(session, 2, cursor)
        seen += [t.trace_id for t in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["t5", "t4", "t3", "t2", "t1", "t0"]
    assert pages == 3


def test_rows_inserted_between_pages_do_not_shift_the_next_page(session: Session) -> None:
    add_traces(session, [1, 2, 3, 4])
    first = traces_page(session, 2)
    assert [t.trace_id for t in first.items] == ["t3", "t2"]
    add_traces(session, [10, 11], first=4)  # newer: they belong before the first page
    second = traces_page(session, 2, first.next_cursor)
    assert ([t.trace_id for t in second.items], second.next_cursor) == (["t1", "t0"], None)


def test_an_exact_last_page_has_no_next_cursor(session: Session) -> None:
    add_traces(session, [1, 2])
    page = traces_page(session, 2)
    assert ([t.trace_id for t in page.items], page.next_cursor) == (["t1", "t0"], None)


def _raw(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "page-2",
        "%%%",
        _raw([1, 2]),
        encode("incidents", [3]),  # another list's cursor
        _raw({"l": "traces", "k": [5]}),  # one key of two
        _raw({"l": "traces", "k": [5, 5]}),  # a number where a time belongs
        _raw({"l": "traces", "k": [{"t": "2025-01-31T12:00:00"}, 5]}),  # naive time
        _raw({"l": "traces", "k": [{"t": "yesterday"}, 5]}),
        _raw({"l": "traces", "k": [{"t": "2025-01-31T12:00:00Z"}, "5"]}),  # text for an id
        _raw({"l": "traces", "k": [{"t": "2025-01-31T12:00:00Z"}, 2**63]}),  # past 64 bits
        _raw({"l": "traces", "k": [{"t": "2025-01-31T12:00:00Z"}, True]}),
    ],
)
def test_a_cursor_this_list_did_not_make_is_refused(session: Session, cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        traces_page(session, 10, cursor)
    assert caught.value.detail == (
        f"cursor: {cursor[:80]!r} is not a cursor of this list; pass next_cursor from the "
        "previous page unchanged, or leave cursor out for the first page"
    )
    assert caught.value.extra == {"field": "cursor"}


@pytest.mark.parametrize("limit", [0, 1001])
def test_a_limit_out_of_range_is_refused(session: Session, limit: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        traces_page(session, limit)
    assert caught.value.detail == f"limit: {limit} is out of range; use 1 to 1000"


@pytest.mark.parametrize(
    "route",
    [
        "/api/v1/systems",
        "/api/v1/incidents",
        "/api/v1/handoffs",
        "/api/v1/approvals",
        "/api/v1/alarms",
        "/api/v1/canary-runs",
        "/api/v1/review",
        "/api/v1/audit",
        "/api/v1/traces",
    ],
)
def test_every_list_has_one_shape_and_refuses_a_bad_cursor(client: TestClient, route: str) -> None:
    first = client.get(route)
    assert first.status_code == 200
    # The audit log already holds the creation of the test's admin token.
    expected = 1 if route == "/api/v1/audit" else 0
    assert (len(first.json()["items"]), first.json()["next_cursor"]) == (expected, None)
    assert set(first.json()) == {"items", "next_cursor"}
    bad = client.get(route, params={"cursor": "nope"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("cursor: 'nope' is not a cursor of this list")
    too_many = client.get(route, params={"limit": 1001})
    assert too_many.status_code == 422
