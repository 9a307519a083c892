"""The review queue: claiming (never the same item twice), marking, accuracy."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.review import service
from blastwall.review.enums import Verdict
from blastwall.review.models import ReviewVerdict
from tests.review.factories import Factory, calls, configure, items, queue, register


def _queued(factory: Factory, n: int, *, baseline: int = 400) -> None:
    register(factory)
    configure(factory, 1.0, baseline=baseline)
    assert queue(factory, calls(n)).queued == n


def _claim(factory: Factory, reviewer: str, system: str | None = None) -> int | None:
    with unit_of_work(factory) as session:
        item = service.next_item(session, reviewer, system=system)
        return None if item is None else item.id


def _mark(factory: Factory, item_id: int, verdict: str, reviewer: str = "ana") -> None:
    with unit_of_work(factory) as session:
        service.mark(session, item_id, Verdict(verdict), reviewer)


def test_reviewers_get_the_oldest_item_and_keep_it_until_they_mark_it(
    session_factory: Factory,
) -> None:
    _queued(session_factory, 3)
    first, *_ = (i.id for i in items(session_factory))
    assert _claim(session_factory, "ana") == first
    assert _claim(session_factory, "ana") == first  # still hers
    assert _claim(session_factory, "ben") == first + 1
    _mark(session_factory, first, "correct")
    assert _claim(session_factory, "ana") == first + 2
    assert _claim(session_factory, "cleo") is None


def test_two_reviewers_at_once_never_claim_the_same_item(session_factory: Factory) -> None:
    _queued(session_factory, 12)
    claimed: list[int | None] = []
    start = threading.Barrier(8)

    def reviewer(name: str) -> None:
        start.wait()
        claimed.append(_claim(session_factory, name))

    threads = [threading.Thread(target=reviewer, args=(f"r{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [i for i in claimed if i is not None]
    assert (len(ids), len(set(ids))) == (8, 8)
    assert {i.reviewer for i in items(session_factory) if i.status == "claimed"} == {
        f"r{i}" for i in range(8)
    }


def test_an_abandoned_claim_returns_to_the_queue(session_factory: Factory) -> None:
    _queued(session_factory, 1)
    item_id = _claim(session_factory, "ana")
    later = utcnow() + service.CLAIM_TTL + timedelta(seconds=1)
    with unit_of_work(session_factory) as session:
        taken = service.next_item(session, "ben", now=later)
        assert taken is not None
        assert (taken.id, taken.reviewer) == (item_id, "ben")


def test_marking_records_the_verdict_and_emits_it_for_the_monitors(
    session_factory: Factory,
) -> None:
    _queued(session_factory, 1)
    item_id = _claim(session_factory, "ana")
    assert item_id is not None
    with unit_of_work(session_factory) as session:
        item = service.mark(session, item_id, Verdict.incorrect, "ana", note="wrong refund")
        assert (item.status, item.verdict, item.note) == ("done", "incorrect", "wrong refund")
        [event] = session.query(ReviewVerdict).all()
        assert (event.item_id, event.verdict, event.trace_id, event.reviewer) == (
            item_id,
            "incorrect",
            item.trace_id,
            "ana",
        )


def test_marking_refuses_a_missing_a_finished_or_someone_elses_item(
    session_factory: Factory,
) -> None:
    _queued(session_factory, 2)
    held = _claim(session_factory, "ana")
    assert held is not None
    with pytest.raises(Conflict, match=f"review item {held} is claimed by ana; take your own"):
        _mark(session_factory, held, "correct", reviewer="ben")
    _mark(session_factory, held, "correct")
    with pytest.raises(Conflict, match=f"review item {held} was already marked correct by ana"):
        _mark(session_factory, held, "incorrect")
    with pytest.raises(
        NotFound, match="no review item 999; `blastwall review next` gives you the next item"
    ):
        _mark(session_factory, 999, "correct")
    _mark(session_factory, held + 1, "incorrect", reviewer="ben")  # unclaimed: anyone may


def test_accuracy_has_the_baseline_and_the_current_window_with_wilson_intervals(
    session_factory: Factory,
) -> None:
    _queued(session_factory, 60, baseline=20)
    verdicts = ["correct"] * 18 + ["incorrect"] * 2 + ["correct"] * 10 + ["incorrect"] * 30
    for item, verdict in zip(items(session_factory), verdicts, strict=True):
        _mark(session_factory, item.id, verdict)
    with session_factory() as session:
        found = service.accuracy(session, "refund-bot")
    assert (found.baseline.successes, found.baseline.n) == (18, 20)
    assert (round(found.baseline.low, 4), round(found.baseline.high, 4)) == (0.699, 0.9721)
    assert (found.current.successes, found.current.n, found.window) == (0, 20, 20)
    assert (round(found.current.low, 4), round(found.current.high, 4)) == (0.0, 0.1611)
    assert found.drop is True
    assert found.queue == {"pending": 0, "claimed": 0, "done": 60}
    with session_factory() as session:
        wide = service.accuracy(session, "refund-bot", window=40)
    assert (wide.current.successes, wide.current.n, wide.drop) == (10, 40, True)


def test_accuracy_before_the_baseline_is_complete_has_no_current_window(
    session_factory: Factory,
) -> None:
    _queued(session_factory, 5)
    _mark(session_factory, items(session_factory)[0].id, "correct")
    with session_factory() as session:
        found = service.accuracy(session, "refund-bot")
        with pytest.raises(InvalidInput, match="window: 5 is out of range; use 10 to 100000"):
            service.accuracy(session, "refund-bot", window=5)
        with pytest.raises(NotFound, match="no system named 'nope'"):
            service.accuracy(session, "nope")
    assert (found.baseline.n, found.current.n, found.current.estimate, found.drop) == (
        1,
        0,
        None,
        False,
    )
