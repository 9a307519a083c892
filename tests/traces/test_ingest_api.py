"""POST /events: batched, gzip accepted, per-event rejection, idempotent, durable."""

from __future__ import annotations

import gzip
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.traces import ingest, rows
from blastwall.traces.models import FilterHit, SdkStatus, Trace, TraceFeedback
from tests.conftest import make_token
from tests.traces.factories import (
    call_event,
    feedback_event,
    filter_hit_event,
    post_events,
    register_system,
    status_event,
)


@pytest.fixture
def registered(session_factory: sessionmaker[Session]) -> None:
    register_system(session_factory)


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.usefixtures("registered")
def test_every_event_type_is_stored_in_its_table(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    call = call_event()
    response = post_events(
        client, [call, feedback_event(), filter_hit_event(), status_event(dropped=2)]
    )
    assert response.status_code == 200
    assert response.json() == {"accepted": 4, "rejected": []}
    with session_factory() as session:
        trace = session.scalars(select(Trace)).one()
        assert (trace.event_id, trace.trace_id, trace.system) == (
            call["id"],
            "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
            "refund-classifier",
        )
        assert (trace.decision, trace.outcome, trace.label, trace.user_id) == (
            "proceed",
            "ok",
            "fraud",
            "u-42",
        )
        assert trace.at.isoformat() == "2025-01-31T12:00:00.123456+00:00"
        assert trace.input_text == "Refund my order, mail me at [EMAIL]"
        assert trace.truncated is False
        assert trace.payload["tool_calls"][0]["result"] == {"total": 30}
        assert trace.payload["actions"][0]["reversible"] is False
        assert trace.payload["attributes"] == {"ticket": "T-1"}
        assert session.scalars(select(TraceFeedback.rating)).one() == "wrong"
        assert session.scalars(select(FilterHit.category)).one() == "email"
        assert session.scalars(select(SdkStatus.dropped)).one() == 2


@pytest.mark.usefixtures("registered")
def test_bad_events_are_rejected_by_index_and_the_rest_kept(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    batch = [
        call_event(),
        call_event(decision="maybe"),
        feedback_event(),
        call_event(type="span"),
        call_event(system="unknown-system"),
    ]
    body = post_events(client, batch).json()
    assert body["accepted"] == 2
    assert body["rejected"] == [
        {
            "index": 1,
            "reason": "decision: Input should be 'proceed', 'killed', 'human_fallback', "
            "'safe_mode' or 'reroute'",
        },
        {
            "index": 3,
            "reason": "type: unknown type 'span'; use one of call, feedback, filter_hit, "
            "sdk_status",
        },
        {
            "index": 4,
            "reason": "system: 'unknown-system' is not registered; declare it in blastwall.yaml "
            "and run `blastwall apply -f blastwall.yaml`, or fix the system name the SDK is "
            "configured with",
        },
    ]
    assert _count(session_factory, Trace) == 1
    assert _count(session_factory, TraceFeedback) == 1


@pytest.mark.usefixtures("registered")
def test_gzip_batch_is_accepted(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    batch = [call_event(trace_id=f"t-{i}") for i in range(50)]
    response = post_events(client, batch, gzipped=True)
    assert response.json() == {"accepted": 50, "rejected": []}
    assert _count(session_factory, Trace) == 50


@pytest.mark.usefixtures("registered")
def test_a_retried_batch_is_stored_once(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    batch = [call_event(), feedback_event()]
    assert post_events(client, batch).json() == {"accepted": 2, "rejected": []}
    assert post_events(client, batch).json() == {"accepted": 2, "rejected": []}
    assert _count(session_factory, Trace) == 1
    assert _count(session_factory, TraceFeedback) == 1


@pytest.mark.usefixtures("registered")
def test_one_trace_id_may_carry_several_calls(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    post_events(client, [call_event(), call_event(label="refund")])
    assert _count(session_factory, Trace) == 2


@pytest.mark.usefixtures("registered")
def test_long_free_text_is_cut_at_the_cap_and_marked(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    post_events(client, [call_event(output="x" * (rows.MAX_TEXT_CHARS + 10))])
    with session_factory() as session:
        trace = session.scalars(select(Trace)).one()
        assert len(trace.output_text or "") == rows.MAX_TEXT_CHARS
        assert trace.truncated is True


def test_body_that_is_not_a_list_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/events", json={"events": []})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "the body is a JSON dict, not a list; send a JSON list of events (docs/sdk.md)"
    )
    broken = client.post("/api/v1/events", content=b"[{")
    assert broken.status_code == 422
    assert broken.json()["detail"].startswith("the body is not valid JSON")


def test_bad_or_unknown_encoding_is_refused(client: TestClient) -> None:
    headers = {"Content-Encoding": "gzip"}
    bad = client.post("/api/v1/events", content=b"[]", headers=headers)
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("the body is not valid gzip")
    brotli = client.post("/api/v1/events", content=b"[]", headers={"Content-Encoding": "br"})
    assert brotli.status_code == 422
    assert brotli.json()["detail"] == (
        "Content-Encoding 'br' is not supported: send gzip or no encoding"
    )


def test_oversized_batches_get_413_saying_what_to_do(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "MAX_EVENTS_PER_BATCH", 2)
    many = post_events(client, [call_event(), call_event(), call_event()])
    assert many.status_code == 413
    assert many.json()["detail"] == "the batch has 3 events; send at most 2 per request"

    monkeypatch.setattr(ingest, "MAX_WIRE_BYTES", 100)
    big = client.post("/api/v1/events", content=b"[" + b" " * 200 + b"]")
    assert big.status_code == 413
    assert big.json()["detail"] == (
        "the request body is over the 100-byte limit of /api/v1/events; send fewer events "
        "per request (at most 2) and gzip them"
    )

    monkeypatch.setattr(ingest, "MAX_BODY_BYTES", 1000)
    bomb = gzip.compress(json.dumps(["x" * 5000]).encode())
    inflated = client.post("/api/v1/events", content=bomb, headers={"Content-Encoding": "gzip"})
    assert inflated.status_code == 413
    assert inflated.json()["detail"].startswith("the batch inflates to more than 1000 bytes")


def test_events_need_a_token(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    assert post_events(app_client, [call_event()]).status_code == 401
    viewer = make_token(session_factory, "sdk", Role.viewer)
    app_client.headers["Authorization"] = f"Bearer {viewer}"
    register_system(session_factory)
    assert post_events(app_client, [call_event()]).json() == {"accepted": 1, "rejected": []}


@pytest.mark.usefixtures("registered")
def test_nul_characters_are_stored_as_replacement_characters(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    # PostgreSQL refuses NUL in text and JSONB; the batch must not fail on either database.
    event = call_event(input="a\x00b", attributes={"note": "c\x00d"})
    assert post_events(client, [event]).json() == {"accepted": 1, "rejected": []}
    with session_factory() as session:
        trace = session.scalars(select(Trace)).one()
        assert trace.input_text == "a\ufffdb"
        assert trace.payload["attributes"] == {"note": "c\ufffdd"}
