"""GET /traces (filters, pages), GET /traces/{id}, staff feedback, and retention."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.traces import service
from blastwall.traces.models import Trace, TraceFeedback
from tests.traces.factories import call_event, feedback_event, post_events, register_system


@pytest.fixture
def stored(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    """Five calls over two systems, two users and three labels, a minute apart."""
    register_system(session_factory)
    register_system(session_factory, "search-assistant")
    batch = [
        call_event(trace_id="t1", at="2025-01-31T12:01:00Z", user_id="u-1", label="fraud"),
        call_event(trace_id="t2", at="2025-01-31T12:02:00Z", user_id="u-2", label="refund"),
        call_event(trace_id="t3", at="2025-01-31T12:03:00Z", user_id="u-1", label="fraud"),
        call_event(
            trace_id="t4",
            at="2025-01-31T12:04:00Z",
            user_id="u-1",
            system="search-assistant",
            label=None,
            decision="killed",
            outcome="blocked",
        ),
        call_event(trace_id="t5", at="2025-01-31T12:05:00Z", user_id="u-3", label="other"),
    ]
    assert post_events(client, batch).json()["accepted"] == 5


def _ids(client: TestClient, **params: str | int) -> list[str]:
    response = client.get("/api/v1/traces", params=params)
    assert response.status_code == 200, response.text
    return [t["trace_id"] for t in response.json()["items"]]


@pytest.mark.usefixtures("stored")
def test_filters_by_system_user_label_decision_and_time(client: TestClient) -> None:
    assert _ids(client) == ["t5", "t4", "t3", "t2", "t1"]
    assert _ids(client, system="search-assistant") == ["t4"]
    assert _ids(client, user_id="u-1") == ["t4", "t3", "t1"]
    assert _ids(client, label="fraud") == ["t3", "t1"]
    assert _ids(client, decision="killed", outcome="blocked") == ["t4"]
    window = {"since": "2025-01-31T12:02:00Z", "until": "2025-01-31T12:04:00Z"}
    assert _ids(client, **window) == ["t3", "t2"]
    assert _ids(client, system="refund-classifier", user_id="u-1", **window) == ["t3"]


@pytest.mark.usefixtures("stored")
def test_pages_follow_the_cursor_to_the_end(client: TestClient) -> None:
    first = client.get("/api/v1/traces", params={"limit": 2}).json()
    assert [t["trace_id"] for t in first["items"]] == ["t5", "t4"]
    second = client.get("/api/v1/traces", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [t["trace_id"] for t in second.json()["items"]] == ["t3", "t2"]
    third = client.get(
        "/api/v1/traces", params={"limit": 2, "cursor": second.json()["next_cursor"]}
    ).json()
    assert ([t["trace_id"] for t in third["items"]], third["next_cursor"]) == (["t1"], None)


@pytest.mark.usefixtures("stored")
def test_bad_queries_name_the_parameter(client: TestClient) -> None:
    naive = client.get("/api/v1/traces", params={"since": "2025-01-31T12:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"] == [
        {"field": "since", "message": "Input should have timezone info"}
    ]
    backwards = client.get(
        "/api/v1/traces",
        params={"since": "2025-01-31T13:00:00Z", "until": "2025-01-31T12:00:00Z"},
    )
    assert backwards.status_code == 422
    assert backwards.json()["detail"] == (
        "since (2025-01-31T13:00:00+00:00) must be before until (2025-01-31T12:00:00+00:00); "
        "swap them or widen the window"
    )
    cursor = client.get("/api/v1/traces", params={"cursor": "page-2"})
    assert (cursor.status_code, cursor.json()["detail"]) == (
        422,
        "cursor: 'page-2' is not a cursor of this list; pass next_cursor from the previous "
        "page unchanged, or leave cursor out for the first page",
    )
    typo = client.get("/api/v1/traces", params={"sytem": "x"})
    assert typo.status_code == 422
    assert typo.json()["errors"][0]["field"] == "sytem"
    assert client.get("/api/v1/traces", params={"limit": 0}).status_code == 422


@pytest.mark.usefixtures("stored")
def test_a_trace_shows_its_calls_and_feedback(client: TestClient) -> None:
    later = call_event(trace_id="t2", label="x", at="2025-01-31T12:06:00Z")
    post_events(client, [feedback_event(trace_id="t2"), later])
    record = client.get("/api/v1/traces/t2").json()
    assert record["trace_id"] == "t2"
    assert [c["label"] for c in record["calls"]] == ["refund", "x"]
    call = record["calls"][0]
    assert (call["input"], call["output"], call["truncated"]) == (
        "Refund my order, mail me at [EMAIL]",
        "fraud",
        False,
    )
    assert call["payload"]["actions"] == [
        {
            "name": "hold_account",
            "reversible": False,
            "status": "approved",
            "gate": "validator",
            "reason": None,
        }
    ]
    assert [(f["rating"], f["by"], f["comment"]) for f in record["feedback"]] == [
        ("wrong", "agent-7", "not fraud")
    ]


def test_unknown_trace_is_404_with_where_to_look(client: TestClient) -> None:
    response = client.get("/api/v1/traces/nope")
    assert response.status_code == 404
    assert response.json()["detail"].startswith(
        "no trace 'nope'; check the id (the X-AI-Trace-Id your app returned)"
    )


@pytest.mark.usefixtures("stored")
def test_staff_flag_a_trace_through_the_api(client: TestClient) -> None:
    flagged = client.post(
        "/api/v1/traces/t3/feedback", json={"rating": "harmful", "comment": "rude"}
    )
    assert flagged.status_code == 201
    body = flagged.json()
    assert (body["trace_id"], body["system"], body["rating"], body["by"], body["user_id"]) == (
        "t3",
        "refund-classifier",
        "harmful",
        "root",
        "u-1",
    )
    assert client.get("/api/v1/traces/t3").json()["feedback"][0]["comment"] == "rude"
    missing = client.post("/api/v1/traces/zz/feedback", json={"rating": "wrong"})
    assert missing.status_code == 404
    bad = client.post("/api/v1/traces/t3/feedback", json={"rating": "meh"})
    assert bad.json()["errors"][0]["field"] == "rating"


@pytest.mark.usefixtures("stored")
def test_purge_keeps_evidence_windows(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    post_events(client, [feedback_event(trace_id="t1", at="2025-01-31T12:01:30Z")])
    keep = [(datetime(2025, 1, 31, 12, 2, tzinfo=UTC), datetime(2025, 1, 31, 12, 3, tzinfo=UTC))]
    with session_factory() as session, session.begin():
        deleted = service.purge(
            session, before=datetime(2025, 1, 31, 12, 4, 30, tzinfo=UTC), keep=keep
        )
    assert deleted == {"traces": 2, "trace_feedback": 1, "filter_hits": 0, "sdk_status_reports": 0}
    assert _ids(client) == ["t5", "t3", "t2"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(TraceFeedback)) == 0
        assert session.scalar(select(func.count()).select_from(Trace)) == 3
