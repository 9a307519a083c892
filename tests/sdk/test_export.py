"""Export: bounded queue, batches, retries, redaction, and the wire format the server accepts."""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from blastwall import testing
from blastwall.sdk import PII, Guard
from blastwall.sdk.events import MAX_TEXT, call_events, clean_text
from blastwall.sdk.export import Exporter
from blastwall.traces.events import batch_adapter
from tests.sdk.factories import ENVIRONMENT, SYSTEM, FakeServer

GuardFactory = Callable[..., Guard]


@pytest.fixture
def fake() -> FakeServer:
    return FakeServer()


@pytest.fixture
def make_guard(fake: FakeServer) -> Iterator[GuardFactory]:
    made: list[Guard] = []

    def build(**kw: Any) -> Guard:
        options: dict[str, Any] = {
            "server": "http://blastwall.test",
            "transport": fake.transport,
            "otel_spans": False,
            "state_file": False,
            "use_stream": False,
            "poll_interval_s": 60,
            "flush_interval_s": 3600,  # the test flushes by hand
            "startup_sync_s": 0,
        } | kw
        guard = Guard(SYSTEM, ENVIRONMENT, **options)
        made.append(guard)
        return guard

    yield build
    fake.down = True
    for guard in made:
        guard.close(timeout=0.5)


def one_call(guard: Guard, text: str = "where is my refund?", **kw: Any) -> str:
    with guard.call(user_id="u-1", input=text, **kw) as call:
        call.set_output(
            "on its way", label="refund_status", confidence=0.9, input_tokens=7, output_tokens=3
        )
    return call.trace_id


def test_submit_never_blocks_and_counts_what_it_drops() -> None:
    exporter = Exporter(None, system=SYSTEM, environment=ENVIRONMENT, max_queue=3)
    for n in range(10):
        exporter.submit(n)
    assert (exporter.queued, exporter.dropped) == (3, 7)


def test_calls_arrive_as_call_and_filter_hit_events(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard(input_filters=[PII()], release="r12", surfaces={"model": 3})
    guard.declare_action("issue_refund", reversible=False, validator=lambda a: True)
    with guard.call(user_id="u-1", input="mail a@b.io", model="gpt-4o") as call:
        call.add_documents([{"id": "d1", "source": "kb", "score": 0.5}])
        call.tool("lookup", lambda order: {"status": "shipped"}, order="A1")
        call.action("issue_refund", amount=5)
        call.set_output("done", label="refund", confidence=0.75, input_tokens=10, output_tokens=2)
    guard.exporter.flush()
    call_event, hit_event = fake.events
    assert set(call_event) == {
        "id",
        "type",
        "trace_id",
        "system",
        "environment",
        "at",
        "user_id",
        "decision",
        "outcome",
        "error",
        "release",
        "surfaces",
        "input",
        "retrieved",
        "model",
        "requested_model",
        "tool_calls",
        "output",
        "label",
        "confidence",
        "input_tokens",
        "output_tokens",
        "actions",
        "levers",
        "filters",
        "lever_revision",
        "lever_stale",
        "latency_ms",
        "attributes",
    }
    assert {
        k: call_event[k]
        for k in (
            "type",
            "trace_id",
            "system",
            "environment",
            "user_id",
            "decision",
            "outcome",
            "release",
            "surfaces",
            "input",
            "retrieved",
            "model",
            "tool_calls",
            "output",
            "label",
            "confidence",
            "input_tokens",
            "output_tokens",
            "actions",
            "levers",
            "filters",
        )
    } == {
        "type": "call",
        "trace_id": call.trace_id,
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "user_id": "u-1",
        "decision": "proceed",
        "outcome": "ok",
        "release": "r12",
        "surfaces": {"model": 3},
        "input": "mail [EMAIL]",
        "retrieved": [{"id": "d1", "source": "kb", "score": 0.5}],
        "model": "gpt-4o",
        "tool_calls": [
            {
                "name": "lookup",
                "arguments": {"order": "A1"},
                "result": {"status": "shipped"},
                "status": "ok",
                "reason": None,
            }
        ],
        "output": "done",
        "label": "refund",
        "confidence": 0.75,
        "input_tokens": 10,
        "output_tokens": 2,
        "actions": [
            {
                "name": "issue_refund",
                "reversible": False,
                "status": "fired",
                "gate": "validator",
                "reason": None,
            }
        ],
        "levers": [],
        "filters": [
            {"filter": "pii", "stage": "input", "category": "email", "action": "redact", "count": 1}
        ],
    }
    assert call_event["at"].endswith("Z")
    assert hit_event == {
        "id": hit_event["id"],
        "type": "filter_hit",
        "trace_id": call.trace_id,
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": call_event["at"],
        "user_id": "u-1",
        "filter": "pii",
        "stage": "input",
        "category": "email",
        "action": "redact",
        "count": 1,
    }
    assert hit_event["id"] != call_event["id"]


def test_every_kind_of_event_is_valid_for_the_servers_schema(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard(input_filters=[PII(action="block")], approver=testing.StaticApprover(False))
    testing.set_levers(guard, reroute_model="m" * 300)
    one_call(guard, "a@b.io")  # blocked by the filter
    testing.set_levers(guard)
    guard.declare_action("hold", reversible=False)
    with guard.call(input="x") as call:
        call.set_output("y", confidence=7, input_tokens=-1)  # out of range: sent as null
        with pytest.raises(Exception, match="denied in test"):
            call.action("hold")
    guard.feedback(call.trace_id, "wrong", comment="bad")
    guard.exporter.flush()
    guard.exporter._next_status = 0
    guard.exporter.flush()
    assert sorted(e["type"] for e in fake.events) == [
        "call",
        "call",
        "feedback",
        "filter_hit",
        "sdk_status",
    ]
    batch_adapter.validate_python(fake.events)  # raises if the server would reject any
    blocked = fake.events[0]
    assert (blocked["decision"], blocked["outcome"]) == ("reroute", "blocked")


def test_big_batches_are_gzipped(fake: FakeServer, make_guard: GuardFactory) -> None:
    guard = make_guard()
    for _ in range(20):
        one_call(guard)
    guard.exporter.flush()
    posts = [r for r in fake.requests if r.url.path.endswith("/events")]
    assert [r.headers.get("content-encoding") for r in posts] == ["gzip"]
    assert len(json.loads(gzip.decompress(posts[0].content))) == 20


def test_server_down_keeps_the_batch_and_sends_it_once_back(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    fake.down = True
    trace = one_call(guard)
    guard.exporter.flush()
    assert (fake.events, guard.exporter.queued) == ([], 1)  # held for retry, not lost
    fake.down = False
    guard.exporter.flush()
    guard.exporter.flush()
    assert [e["trace_id"] for e in fake.events] == [trace]
    assert guard.stats()["sent"] == 1


def test_a_5xx_is_retried_and_a_4xx_is_dropped(fake: FakeServer, make_guard: GuardFactory) -> None:
    guard = make_guard()
    fake.event_status = 503
    one_call(guard)
    guard.exporter.flush()
    fake.event_status = 200
    guard.exporter.flush()
    assert len(fake.events) == 1
    fake.event_status = 422
    one_call(guard)
    guard.exporter.flush()
    assert (len(fake.events), guard.exporter.dropped) == (1, 1)


def test_an_outage_of_any_length_loses_nothing_while_the_queue_has_room(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    fake.down = True
    traces = [one_call(guard) for _ in range(3)]
    for _ in range(50):  # far more tries than any attempt limit
        guard.exporter.flush()
    assert (guard.exporter.dropped, guard.exporter.queued, fake.events) == (0, 3, [])
    fake.down = False
    guard.exporter.flush()
    assert [e["trace_id"] for e in fake.events] == traces
    assert (guard.exporter.sent, guard.exporter.dropped, guard.exporter.queued) == (3, 0, 0)


def test_a_held_batch_counts_against_the_queue_bound(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard(max_queue=5)
    fake.down = True
    for _ in range(5):
        one_call(guard)
    guard.exporter.flush()  # the 5 calls are now a held batch, not in the deque
    for _ in range(3):
        one_call(guard)
    assert (guard.exporter.queued, guard.exporter.dropped) == (5, 3)


@pytest.mark.parametrize("status", [408, 429, 503])
def test_not_now_answers_keep_the_batch_and_honour_retry_after(
    fake: FakeServer, make_guard: GuardFactory, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setattr("blastwall.sdk.retry.random.uniform", lambda low, high: high)
    guard = make_guard()
    fake.event_status, fake.retry_after = status, "7"
    trace = one_call(guard)
    guard.exporter.flush()
    # At least the 7 s asked for, with up to 20 % jitter so SDKs do not return together.
    assert (guard.exporter._next_wait(), guard.exporter.queued) == (pytest.approx(8.4), 1)
    fake.event_status = 200
    guard.exporter.flush()
    assert [e["trace_id"] for e in fake.events] == [trace]
    assert guard.exporter._next_wait() == 3600  # back to the flush interval


def test_retry_after_as_an_http_date_is_read_and_capped(
    fake: FakeServer, make_guard: GuardFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("blastwall.sdk.retry.random.uniform", lambda low, high: low)
    guard = make_guard()
    fake.event_status, fake.retry_after = 429, "Fri, 31 Dec 2100 23:59:59 GMT"
    one_call(guard)
    guard.exporter.flush()
    assert guard.exporter._next_wait() == 300.0


def test_failures_back_off_exponentially_up_to_the_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("blastwall.sdk.retry.random.uniform", lambda low, high: high)
    down = httpx.MockTransport(lambda request: httpx.Response(503))
    client = httpx.Client(base_url="http://blastwall.test", transport=down)
    exporter = Exporter(
        client, system=SYSTEM, environment=ENVIRONMENT, flush_interval_s=1, max_backoff_s=8
    )
    exporter.submit_handoff({"trace_id": "t"})
    waits = []
    for _ in range(5):
        exporter.flush()
        waits.append(exporter._next_wait())
    assert waits == [2, 4, 8, 8, 8]


def test_a_handoff_keeps_one_idempotency_key_across_retries(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    testing.set_levers(guard, human_fallback=True)
    fake.handoff_status = 503
    first = one_call(guard, "close my account")
    guard.exporter.flush()
    fake.handoff_status = 201
    guard.exporter.flush()
    second = one_call(guard, "and the other one")
    guard.exporter.flush()
    posts = [r for r in fake.requests if r.url.path.endswith("/handoffs")]
    keys = [r.headers["Idempotency-Key"] for r in posts]
    assert [json.loads(r.content)["trace_id"] for r in posts] == [first, first, second]
    assert keys[0] == keys[1] != keys[2]
    assert len(keys[0]) == 32
    assert guard.stats()["handoffs_sent"] == 2


def test_pii_redaction_before_export(fake: FakeServer, make_guard: GuardFactory) -> None:
    guard = make_guard(redact_export=True)
    with guard.call(input="I am jo@example.com") as call:
        call.tool("crm", lambda email: f"found {email}", email="jo@example.com")
        call.set_output("Hi jo@example.com, card 4111 1111 1111 1111 noted")
    guard.feedback(call.trace_id, "wrong", comment="reach me at jo@example.com")
    guard.exporter.flush()
    call_event, feedback = fake.events
    assert call_event["input"] == "I am [EMAIL]"
    assert call_event["output"] == "Hi [EMAIL], card [CARD] noted"
    assert call_event["tool_calls"][0]["arguments"] == {"email": "[EMAIL]"}
    assert call_event["tool_calls"][0]["result"] == "found [EMAIL]"
    assert feedback["comment"] == "reach me at [EMAIL]"
    assert call.output == "Hi jo@example.com, card 4111 1111 1111 1111 noted"  # app unaffected


def test_human_handoffs_are_posted(fake: FakeServer, make_guard: GuardFactory) -> None:
    guard = make_guard()
    testing.set_levers(guard, human_fallback=True)
    trace = one_call(guard, "please close my account")
    guard.exporter.flush()
    assert [(h["trace_id"], h["input"], h["reason"]) for h in fake.handoffs] == [
        (trace, "please close my account", "human_fallback")
    ]
    assert guard.stats()["handoffs_sent"] == 1


def test_text_is_made_storable() -> None:
    assert clean_text("a\x00b") == "a\ufffdb"
    assert clean_text("bad \udcff surrogate") == "bad ? surrogate"
    long = clean_text("x" * (MAX_TEXT + 5))
    assert long == "x" * (MAX_TEXT - 30) + "[CUT 35 CHARS]"


def test_odd_values_in_a_call_still_serialise() -> None:
    guard = testing.offline_guard()

    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    loop: dict[str, Any] = {}
    loop["self"] = loop
    with guard.call(input=b"\xff bytes", user_id=42) as call:  # type: ignore[arg-type]
        call.record_tool("t", {"obj": Opaque(), "nan": float("nan"), "loop": loop}, {1, 2})
        call.set_attribute("when", Opaque())
    [event] = call_events(call)
    assert event["input"] == "\ufffd bytes"
    assert event["user_id"] == "42"
    assert event["tool_calls"][0]["arguments"]["obj"] == "<opaque>"
    assert event["tool_calls"][0]["arguments"]["nan"] is None
    assert event["tool_calls"][0]["result"] == [1, 2]
    assert event["attributes"] == {"when": "<opaque>"}
    json.dumps(event)
    guard.close()


def test_offline_guard_drains_its_queue_without_a_server() -> None:
    guard = testing.offline_guard(flush_interval_s=0.01)
    one_call(guard)
    guard.close()
    assert (guard.exporter.queued, guard.exporter.sent) == (0, 1)


def test_events_accepted_header_and_token(fake: FakeServer, make_guard: GuardFactory) -> None:
    guard = make_guard(token="sdk-token")
    one_call(guard)
    guard.exporter.flush()
    [post] = [r for r in fake.requests if r.url.path.endswith("/events")]
    assert post.headers["authorization"] == "Bearer sdk-token"
    assert post.url == httpx.URL("http://blastwall.test/api/v1/events")


def test_closing_while_requests_are_in_flight_never_meets_a_closed_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.2)  # the server answers after close() stopped waiting
        if request.url.path.endswith("/levers"):
            return httpx.Response(200, json={"revision": 0, "states": []})
        return httpx.Response(200, json={"accepted": 1, "rejected": []})

    guard = Guard(
        SYSTEM,
        ENVIRONMENT,
        server="http://blastwall.test",
        transport=httpx.MockTransport(slow),
        otel_spans=False,
        state_file=False,
        use_stream=False,
        poll_interval_s=0.01,
        flush_interval_s=0.01,
        startup_sync_s=0,
    )
    one_call(guard)
    time.sleep(0.05)  # both threads are now inside a request
    one_call(guard)  # and this one waits for the exporter's last flush
    guard.close(timeout=0.01)
    assert guard.follower is not None
    threads = [t for t in (guard.follower._thread, guard.exporter._thread) if t is not None]
    assert len(threads) == 2
    for thread in threads:
        thread.join(5)
    assert [t.is_alive() for t in threads] == [False, False]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert guard.exporter.client is not None
    assert guard.exporter.client.is_closed
    assert guard.exporter.sent == 2
