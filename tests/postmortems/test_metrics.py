"""Response metrics per system and period from recorded milestones; drills left out."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from blastwall.exceptions import InvalidInput, NotFound
from blastwall.incidents.models import Incident
from blastwall.postmortems import metrics
from blastwall.postmortems.schemas import Figure
from tests.incidents.factories import make_system
from tests.postmortems.factories import at, incident


def _times(found: Incident, *, ack: float, contain: float | None, resolve: float | None) -> None:
    """Arranged milestones, in minutes after T0 (the service sets them at real time)."""
    found.acknowledged_at = at(ack)
    found.contained_at = at(contain) if contain is not None else None
    found.resolved_at = at(resolve) if resolve is not None else None


def test_metrics_per_system_with_medians_means_and_counts(session: Session) -> None:
    make_system(session)
    make_system(session, "chat-bot", actions={})
    first = incident(session, started=0, detected=10)  # refund-bot
    _times(first, ack=12, contain=20, resolve=60)
    second = incident(session, started=100, detected=130)
    _times(second, ack=131, contain=None, resolve=None)
    third = incident(session, started=200, detected=204, system="chat-bot")
    _times(third, ack=210, contain=214, resolve=300)
    drill = incident(session, started=300, detected=301)
    drill.drill = True
    session.flush()

    found = metrics.compute(session)
    refund = found.systems[1]
    assert [s.system for s in found.systems] == ["chat-bot", "refund-bot"]
    assert (refund.incidents, found.all.incidents) == (2, 3)
    assert refund.mttd == Figure(count=2, median_s=1200.0, mean_s=1200.0)  # 10 and 30 min
    assert refund.mtta == Figure(count=2, median_s=90.0, mean_s=90.0)  # 2 and 1 min
    assert refund.time_to_contain == Figure(count=1, median_s=600.0, mean_s=600.0)
    assert refund.mttr == Figure(count=1, median_s=3600.0, mean_s=3600.0)  # from the start
    assert found.all.mttd == Figure(count=3, median_s=600.0, mean_s=880.0)  # 10, 30, 4 min
    assert found.all.mttr == Figure(count=2, median_s=4800.0, mean_s=4800.0)  # 60 and 100 min

    with_drills = metrics.compute(session, include_drills=True)
    assert (with_drills.all.incidents, with_drills.all.mttd.count) == (4, 4)
    recent = metrics.compute(session, system="refund-bot", since=at(50))
    assert [(s.system, s.incidents) for s in recent.systems] == [("refund-bot", 1)]
    assert recent.all.mttd == Figure(count=1, median_s=1800.0, mean_s=1800.0)
    assert metrics.compute(session, since=at(1000)).all == metrics._summarize("all", [])


def test_metrics_refuse_an_empty_period_and_an_unknown_system(session: Session) -> None:
    with pytest.raises(InvalidInput, match="since \\(2025-01-01T00:10:00\\+00:00\\) must be"):
        metrics.compute(session, since=at(10), until=at(10))
    with pytest.raises(NotFound, match="no-such"):
        metrics.compute(session, system="no-such")
