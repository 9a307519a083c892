"""The dispatcher: retries with backoff and Retry-After, gives up at once or at the deadline,
re-queues on request, and two dispatchers never deliver one notification twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Conflict
from blastwall.incidents.models import TimelineEntry
from blastwall.notify import service
from blastwall.notify.dispatcher import Dispatcher
from blastwall.notify.models import DeliveryAttempt, Notification
from tests.notify.conftest import Clock
from tests.notify.support import RESPONDER, Receiver, Reply, configure, open_incident


def _queue(factory: sessionmaker[Session], incidents: int = 1) -> list[int]:
    with factory() as session, session.begin():
        configure(session)
        ids = [open_incident(session).change.incident_id for _ in range(incidents)]
    return [i for i in ids if i is not None]


def _only(factory: sessionmaker[Session]) -> Notification:
    with factory() as session:
        return session.scalars(select(Notification)).one()


def _outcomes(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        rows = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.number))
        return [row.outcome for row in rows]


def _actions(factory: sessionmaker[Session]) -> list[tuple[str, int | None]]:
    with factory() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.like("notification.%"))
            .order_by(AuditEntry.seq)
        )
        return [(row.action, row.incident_id) for row in rows]


def _tick_until_settled(dispatcher: Dispatcher, clock: Clock, rounds: int = 10) -> None:
    """Tick, then move the clock to the row's next attempt, until nothing is pending."""
    for _ in range(rounds):
        dispatcher.tick()
        row = _only(dispatcher.factory)
        if row.status != "pending":
            return
        clock.now = max(clock.now, row.next_attempt_at)


def test_receiver_failing_three_times_gets_exactly_one_message(
    session_factory: sessionmaker[Session], receiver: Receiver, dispatcher: Dispatcher, clock: Clock
) -> None:
    receiver.script = [Reply(500), Reply(500), Reply(500), Reply(200)]
    (incident_id,) = _queue(session_factory)
    _tick_until_settled(dispatcher, clock)
    row = _only(session_factory)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 4, None)
    assert len(receiver.requests) == 4
    assert len(receiver.accepted) == 1
    assert receiver.accepted[0]["key"] == f"blastwall-{row.change_seq}-hook"
    assert receiver.accepted[0]["message"]["event"] == "incident.opened"
    assert _outcomes(session_factory) == ["retry_later"] * 3 + ["delivered"]
    assert _actions(session_factory) == [("notification.delivered", incident_id)]
    with session_factory() as session:
        timeline = session.scalars(
            select(TimelineEntry.message).where(TimelineEntry.incident_id == incident_id)
        ).all()
    assert timeline[-1] == "notified hook (incident.opened) after 4 attempts"


def test_backoff_grows_and_the_row_is_not_sent_before_it_is_due(
    session_factory: sessionmaker[Session], receiver: Receiver, dispatcher: Dispatcher, clock: Clock
) -> None:
    receiver.script = [Reply(503)]
    _queue(session_factory)
    dispatcher.tick()
    row = _only(session_factory)
    assert row.status == "pending"
    assert row.last_error == "HTTP 503"
    delay = (row.next_attempt_at - clock.now).total_seconds()
    assert 0 <= delay <= 1  # first retry: a uniform draw in [0, base]
    clock.now = row.next_attempt_at
    clock.advance(-0.001)
    assert dispatcher.run_once() == 0
    assert len(receiver.requests) == 1


def test_429_retry_after_is_honoured(
    session_factory: sessionmaker[Session], receiver: Receiver, dispatcher: Dispatcher, clock: Clock
) -> None:
    receiver.script = [Reply(429, {"Retry-After": "120"})]
    _queue(session_factory)
    sent_at = clock.now
    dispatcher.tick()
    row = _only(session_factory)
    assert row.status == "pending"
    assert (row.next_attempt_at - sent_at).total_seconds() == 120
    clock.advance(119)
    assert dispatcher.run_once() == 0
    clock.advance(1)
    assert dispatcher.run_once() == 1
    assert (_only(session_factory).status, len(receiver.accepted)) == ("delivered", 1)


def test_rejected_fails_at_once_and_retry_requeues_and_delivers(
    session_factory: sessionmaker[Session], receiver: Receiver, dispatcher: Dispatcher, clock: Clock
) -> None:
    receiver.script = [Reply(400)]
    (incident_id,) = _queue(session_factory)
    dispatcher.tick()
    row = _only(session_factory)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "rejected: HTTP 400")
    with session_factory() as session, session.begin():
        service.retry(session, row.id, RESPONDER)
    dispatcher.tick()
    row = _only(session_factory)
    assert (row.status, row.attempts) == ("delivered", 2)
    assert len(receiver.accepted) == 1
    assert _actions(session_factory) == [
        ("notification.failed", incident_id),
        ("notification.retry", incident_id),
        ("notification.delivered", incident_id),
    ]
    assert _outcomes(session_factory) == ["rejected", "delivered"]


def test_only_a_failed_notification_can_be_retried(
    session_factory: sessionmaker[Session], receiver: Receiver
) -> None:
    _queue(session_factory)
    row = _only(session_factory)
    with session_factory() as session, session.begin(), pytest.raises(Conflict) as refused:
        service.retry(session, row.id, RESPONDER)
    assert refused.value.detail == (
        f"notification {row.id} is pending, not failed: only a failed notification can be "
        "retried (a pending one is still being tried)"
    )


def test_deadline_passed_fails_the_notification(
    session_factory: sessionmaker[Session], receiver: Receiver, dispatcher: Dispatcher, clock: Clock
) -> None:
    receiver.script = [Reply(500)]
    _queue(session_factory)
    dispatcher.tick()
    clock.advance(3600)
    dispatcher.tick()
    row = _only(session_factory)
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        1,
        "deadline passed: HTTP 500",
    )
    assert len(receiver.requests) == 1


def test_disabled_channel_keeps_the_notification_pending(
    session_factory: sessionmaker[Session],
    receiver: Receiver,
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HOOK_SECRET")
    _queue(session_factory)
    dispatcher.tick()
    row = _only(session_factory)
    assert (row.status, row.last_error) == (
        "pending",
        "environment variable HOOK_SECRET is not set on the server",
    )
    assert _outcomes(session_factory) == ["unavailable"]
    assert receiver.requests == []


def test_two_dispatchers_deliver_each_notification_once(
    session_factory: sessionmaker[Session], receiver: Receiver, clock: Clock
) -> None:
    _queue(session_factory, incidents=40)
    dispatchers = [
        Dispatcher(session_factory, linger_s=0, batch=5, clock=clock, wake=threading.Event())
        for _ in range(2)
    ]
    start = threading.Barrier(2)

    def drain(dispatcher: Dispatcher) -> None:
        start.wait()
        while dispatcher.run_once():
            pass

    threads = [threading.Thread(target=drain, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    keys = [body["key"] for body in receiver.accepted]
    assert len(keys) == 40
    assert len(set(keys)) == 40
    with session_factory() as session:
        rows = session.scalars(select(Notification)).all()
        assert {(r.status, r.attempts) for r in rows} == {("delivered", 1)}


def test_a_backlog_drains_in_one_tick_in_full_rounds(
    session_factory: sessionmaker[Session], receiver: Receiver, clock: Clock
) -> None:
    _queue(session_factory, incidents=7)
    dispatcher = Dispatcher(
        session_factory, linger_s=0, batch=3, clock=clock, wake=threading.Event()
    )
    dispatcher.tick()
    assert len(receiver.accepted) == 7
