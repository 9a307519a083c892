"""Retention deletes expired events in batches, never those in a held incident window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.evidence.retention import Policy, purge
from blastwall.incidents import hold
from blastwall.traces import ingest
from blastwall.traces.events import event_adapter
from blastwall.traces.models import FilterHit, Trace, TraceFeedback
from tests.blastradius.factories import seed, trace
from tests.incidents.factories import at
from tests.traces.factories import feedback_event, filter_hit_event

NOW = at(0) + timedelta(days=100)  # the default 90 days' cutoff is at day 10
POLICY = Policy(default_days=90, margin=timedelta(minutes=10), keep_days=0, batch=2)


def _store(session: Session, event: dict[str, Any]) -> None:
    assert ingest.store(session, [(0, event_adapter.validate_python(event))], received_at=NOW) == (
        1,
        [],
    )


def _arrange(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session, session.begin():
        incident = seed(session)
        incident.contained_at = at(60)  # held: [-10, 70] minutes, on refund-bot only
        trace(session, 100 * 24 * 60 - 60, user="u-recent")  # an hour old: not expired
        events = ((-30, feedback_event), (20, feedback_event), (90, filter_hit_event))
        for minute, factory in events:
            _store(session, factory(system="refund-bot", at=at(minute).isoformat()))
        return incident.id


def _left(session: Session, model: Any) -> list[str]:
    query = select(model.system, model.at).order_by(model.system, model.at)
    rows = session.execute(query)
    return [f"{system} {(when - at(0)) // timedelta(minutes=1)}" for system, when in rows]


def test_expired_events_go_in_batches_and_the_held_window_stays(
    session_factory: sessionmaker[Session],
) -> None:
    incident_id = _arrange(session_factory)
    purged = purge(session_factory, POLICY, now=NOW)
    assert purged.finished
    assert purged.rows == {
        "mail-bot": {"traces": 1},
        "other-bot": {"traces": 1},
        "refund-bot": {"traces": 2, "trace_feedback": 1, "filter_hits": 1},
    }
    with session_factory() as session:
        assert _left(session, Trace) == [
            "refund-bot 10",
            "refund-bot 15",
            "refund-bot 20",
            "refund-bot 30",
            "refund-bot 40",
            "refund-bot 143940",
        ]
        assert _left(session, TraceFeedback) == ["refund-bot 20"]
        assert _left(session, FilterHit) == []
        audited = session.scalars(
            select(AuditEntry.after)
            .where(AuditEntry.action == "evidence.retention")
            .order_by(AuditEntry.seq)
        ).all()
        assert [a["deleted"] for a in audited if a] == list(purged.rows.values())
    # Under evidence hold it holds on; released and resolved past keep_days, it lets go.
    with session_factory() as session, session.begin():
        hold.service.get(session, incident_id).resolved_at = at(61)
    assert purge(session_factory, POLICY, now=NOW).rows == {}
    with session_factory() as session, session.begin():
        hold.release(session, incident_id, hold.HOLD_ACTOR, reason="report sent")
    assert purge(session_factory, POLICY, now=NOW).rows == {
        "refund-bot": {"traces": 5, "trace_feedback": 1}
    }
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Trace)) == 1


def test_a_round_stops_when_its_time_budget_is_spent(
    session_factory: sessionmaker[Session],
) -> None:
    _arrange(session_factory)
    ticks = iter([0.0, 0.0, 10.0])
    purged = purge(session_factory, POLICY, now=NOW, budget_s=5.0, clock=lambda: next(ticks, 10.0))
    assert (purged.finished, purged.rows) == (False, {"mail-bot": {"traces": 1}})
