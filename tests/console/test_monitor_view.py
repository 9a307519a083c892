"""The monitor page's charts are drawn from the traces around an alarm, replayed on the
baseline the alarm recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.console.views import monitor
from blastwall.detect.detectors import Kind, make_detector
from blastwall.detect.monitors.models import Alarm, Monitor
from blastwall.traces.models import Trace

pytestmark = pytest.mark.usefixtures("example")
LABELS = ["general", "refund", "fraud", "account_access"]
T0 = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)


def _labels(n: int, fraud_every: int) -> list[int]:
    """A fixed stream: fraud every ``fraud_every`` calls, the rest general and refund."""
    return [2 if i % fraud_every == 0 else i % 2 for i in range(n)]


def _arrange(factory: sessionmaker[Session]) -> None:
    before, after = _labels(400, 50), _labels(200, 5)  # fraud 2%, then 20%
    with factory() as session, session.begin():
        for i, label in enumerate(before + after):
            at = T0 + timedelta(seconds=i / 10)
            session.add(
                Trace(
                    event_id=f"e{i}",
                    trace_id=f"t{i}",
                    system="support-agent",
                    environment="prod",
                    at=at,
                    received_at=at,
                    decision="proceed",
                    outcome="ok",
                    label=LABELS[label],
                    payload={},
                )
            )
        detector = make_detector(Kind.categorical, reference=400, categories=4)
        detector.update_many(np.asarray(before))
        state = detector.to_state()
        found = session.scalar(select(Monitor).where(Monitor.name == "fraud-share"))
        assert found is not None
        session.add(
            Alarm(
                monitor_id=found.id,
                system="support-agent",
                monitor="fraud-share",
                signal="output_category",
                observed_at=T0 + timedelta(seconds=50),
                change_at=T0 + timedelta(seconds=40),
                change_observations=100,
                description="share of 'fraud' 0.02 -> 0.2",
                baseline={},
                current={},
                threshold=float(detector.threshold or 0),
                false_alarm_rate=1e-5,
                reference={
                    "detector": state["detector"],
                    "params": state["params"],
                    "baseline": state["baseline"],
                    "labels": LABELS,
                    "signal": "output_category",
                },
            )
        )


def test_the_charts_mark_the_change_and_the_alarm_against_the_baseline(
    session_factory: sessionmaker[Session],
) -> None:
    _arrange(session_factory)
    with session_factory() as session:
        page = monitor.build(session, "support-agent", "fraud-share", now=T0 + timedelta(hours=1))
    assert page.chart_note == "Around alarm #1, replayed on the baseline that alarm recorded."
    assert page.estimate is not None
    assert page.statistic is not None
    estimate, statistic = str(page.estimate), str(page.statistic)
    assert '<title id="chart-title">share of &#x27;fraud&#x27; per time bucket</title>' in estimate
    # 8 frauds in 400 calls: 2.0%, smoothed by the detector to 2.1%.
    assert ">baseline 2.1% ± 3 standard errors</text>" in estimate
    for svg in (estimate, statistic):
        assert ">◆ change (estimated)</text>" in svg
        assert ">▲ alarm #1</text>" in svg
    assert ">alarm threshold</text>" in statistic
