"""Deadline clocks from their own anchors, on both databases, at frozen times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.exceptions import InvalidInput
from blastwall.incidents.models import TimelineEntry
from blastwall.incidents.timeline import require_incident
from blastwall.regulatory import clocks, regimes, reports, service
from blastwall.regulatory.clocks import Clock
from blastwall.regulatory.enums import Anchor, Decision, Fact, Regime, Stage
from blastwall.regulatory.schemas import RegimeSpec
from tests.regulatory.factories import ADMIN, AWARE, CARLA, apply_text, open_incident

Factory = sessionmaker[Session]
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture(autouse=True)
def _applied(session_factory: Factory) -> None:
    apply_text(session_factory)


def _clocks(factory: Factory, incident: int, now: datetime) -> dict[tuple[str, str], Clock]:
    with factory() as session:
        return {
            (c.regime.value, c.stage.value): c for c in clocks.for_incident(session, incident, now)
        }


def _row(clock: Clock) -> tuple[object, ...]:
    anchor = (clock.anchor["name"], clock.anchor["at"]) if clock.anchor else None
    return (clock.status.value, anchor, clock.window, clock.variant, clock.due_at)


def test_a_severity_1_privacy_incident_shows_gdpr_and_ai_act_clocks_from_their_anchors(
    session_factory: Factory,
) -> None:
    incident = open_incident(session_factory)
    now = AWARE + 10 * H
    found = _clocks(session_factory, incident, now)
    with session_factory() as session:
        assert (
            service.anchors(session, require_incident(session, incident))[Anchor.awareness].at
            == AWARE
        )
    gdpr, ai_act = found[("gdpr", "notification")], found[("eu_ai_act", "initial")]
    assert _row(gdpr) == ("running", ("awareness", AWARE), "72h", "standard", AWARE + 72 * H)
    assert gdpr.seconds_left == 62 * 3600
    assert gdpr.overdue is False
    assert _row(ai_act) == ("running", ("awareness", AWARE), "15 days", "standard", AWARE + 15 * D)
    assert ai_act.seconds_left == (15 * D - 10 * H).total_seconds()
    assert ai_act.title == "EU AI Act Art. 73 initial"
    assert list(found) == [
        ("eu_ai_act", "initial"),
        ("gdpr", "notification"),
        ("nis2", "early_warning"),
        ("nis2", "notification"),
        ("nis2", "final"),
        ("dora", "initial"),
        ("dora", "intermediate"),
        ("dora", "final"),
        ("ca_sb53", "initial"),
    ]
    assert _row(found[("nis2", "early_warning")]) == (
        "running",
        ("awareness", AWARE),
        "24h",
        "standard",
        AWARE + 24 * H,
    )
    assert _row(found[("nis2", "notification")])[4] == AWARE + 72 * H
    assert _row(found[("ca_sb53", "initial")]) == (
        "running",
        ("awareness", AWARE),
        "15 days",
        "standard",
        AWARE + 15 * D,
    )
    # Stages whose anchor is not on the record wait for it, and say how to set it.
    assert found[("nis2", "final")].status.value == "waiting_for_anchor"
    assert found[("dora", "initial")].status.value == "waiting_for_anchor"
    assert found[("dora", "initial")].reason == (
        f"waiting for major_classification (blastwall incident anchor {incident} "
        "major_classification --at TIME)"
    )


def test_awareness_defaults_to_detection_and_overdue_shows_negative_time_left(
    session_factory: Factory,
) -> None:
    incident = open_incident(session_factory, aware=None)
    with session_factory() as session:
        detected = require_incident(session, incident).detected_at
    gdpr = _clocks(session_factory, incident, detected + 80 * H)[("gdpr", "notification")]
    assert _row(gdpr) == ("running", ("awareness", detected), "72h", "standard", detected + 72 * H)
    assert gdpr.seconds_left == -8 * 3600
    assert gdpr.overdue is True


@pytest.mark.parametrize(
    ("facts", "window", "variant"),
    [
        ((Fact.death,), 10 * D, "death"),
        ((Fact.widespread,), 2 * D, "widespread"),
        ((Fact.critical_infrastructure,), 2 * D, "critical_infrastructure"),
        ((Fact.death, Fact.critical_infrastructure), 2 * D, "critical_infrastructure"),
    ],
)
def test_ai_act_variants_follow_the_incident_facts(
    session_factory: Factory, facts: tuple[Fact, ...], window: timedelta, variant: str
) -> None:
    incident = open_incident(session_factory, facts=facts)
    clock = _clocks(session_factory, incident, AWARE)[("eu_ai_act", "initial")]
    assert (clock.variant, clock.due_at) == (variant, AWARE + window)


def test_sb53_imminent_risk_is_24_hours(session_factory: Factory) -> None:
    incident = open_incident(session_factory, facts=(Fact.imminent_risk,))
    clock = _clocks(session_factory, incident, AWARE)[("ca_sb53", "initial")]
    assert _row(clock) == ("running", ("awareness", AWARE), "24h", "imminent_risk", AWARE + 24 * H)


def test_dora_counts_4h_from_classification_but_no_later_than_24h_from_awareness(
    session_factory: Factory,
) -> None:
    incident = open_incident(session_factory)
    with session_factory() as session, session.begin():
        service.set_anchor(
            session, incident, Anchor.major_classification, AWARE + 2 * H, reason="", actor=ADMIN
        )
    early = _clocks(session_factory, incident, AWARE + 3 * H)[("dora", "initial")]
    assert _row(early) == (
        "running",
        ("major_classification", AWARE + 2 * H),
        "4h",
        "standard",
        AWARE + 6 * H,
    )
    with session_factory() as session, session.begin():
        service.set_anchor(
            session, incident, Anchor.major_classification, AWARE + 22 * H, reason="", actor=ADMIN
        )
    late = _clocks(session_factory, incident, AWARE + 23 * H)[("dora", "initial")]
    assert _row(late) == ("running", ("awareness", AWARE), "24h", "standard", AWARE + 24 * H)


def test_a_submitted_report_meets_its_stage_and_anchors_the_next(session_factory: Factory) -> None:
    incident = open_incident(session_factory)
    sent_at = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    with session_factory() as session, session.begin():
        report = reports.draft(session, incident, Regime.nis2, ADMIN, stage=Stage.notification)
        reports.submit(session, report.id, CARLA, now=sent_at)
    found = _clocks(session_factory, incident, sent_at)
    met = found[("nis2", "notification")]
    assert (met.status.value, met.report_id, met.submitted_at, met.late) == (
        "met",
        report.id,
        sent_at,
        True,
    )
    assert met.seconds_left is None
    # One month after 31 January is the last day of February.
    final = found[("nis2", "final")]
    assert _row(final) == (
        "running",
        ("submitted:notification", sent_at),
        "1 month",
        "standard",
        datetime(2027, 2, 28, 12, 0, tzinfo=UTC),
    )


def test_before_the_effective_date_a_regime_is_not_applicable(session_factory: Factory) -> None:
    incident = open_incident(session_factory, system="later-bot")
    (clock,) = _clocks(session_factory, incident, AWARE).values()
    assert (clock.regime, clock.status.value, clock.due_at, clock.seconds_left) == (
        Regime.eu_ai_act,
        "not_applicable",
        None,
        None,
    )
    assert clock.reason == (
        "EU AI Act Art. 73 applies to later-bot from 2027-12-02; awareness was 2026-12-01"
    )
    # From the effective date on (awareness on that day counts), the clock runs.
    with session_factory() as session, session.begin():
        spec = RegimeSpec(name=Regime.eu_ai_act, effective=date(2026, 12, 1))
        regimes.replace(session, "later-bot", [spec], ADMIN)
    (clock,) = _clocks(session_factory, incident, AWARE).values()
    assert (clock.status.value, clock.due_at) == ("running", AWARE + 15 * D)
    # An anchor is when something happened: a time in the future is refused.
    with (
        session_factory() as session,
        pytest.raises(
            InvalidInput, match="awareness at 2099-01-01T00:00:00\\+00:00 is in the future"
        ),
    ):
        service.set_anchor(
            session,
            incident,
            Anchor.awareness,
            datetime(2099, 1, 1, tzinfo=UTC),
            reason="",
            actor=ADMIN,
        )


def test_a_not_reportable_decision_stops_the_clock_and_keeps_history(
    session_factory: Factory,
) -> None:
    incident = open_incident(session_factory)
    with session_factory() as session, session.begin():
        service.decide(
            session,
            incident,
            Regime.gdpr,
            Decision.reportable,
            rationale="user data shown to others",
            actor=CARLA,
        )
        service.decide(
            session,
            incident,
            Regime.gdpr,
            Decision.not_reportable,
            rationale="only test accounts",
            actor=CARLA,
        )
    gdpr = _clocks(session_factory, incident, AWARE)[("gdpr", "notification")]
    assert (gdpr.status.value, gdpr.decision, gdpr.due_at) == (
        "not_applicable",
        Decision.not_reportable,
        None,
    )
    assert gdpr.reason.startswith("decided not reportable by carla at ")
    assert gdpr.reason.endswith(": only test accounts")
    with session_factory() as session:
        assert [(d.decision, d.rationale) for d in service.history(session, incident)] == [
            ("reportable", "user data shown to others"),
            ("not_reportable", "only test accounts"),
        ]
        kinds = session.query(TimelineEntry.kind, TimelineEntry.message).filter(
            TimelineEntry.incident_id == incident, TimelineEntry.kind == "regulatory"
        )
        assert [m for _, m in kinds][-1] == (
            "Reportability under gdpr: not reportable. Why: only test accounts"
        )
    # A regime decided reportable runs even without the personal-data trigger.
    other = open_incident(session_factory, classes=())
    assert _clocks(session_factory, other, AWARE)[("gdpr", "notification")].status.value == (
        "not_applicable"
    )
    with session_factory() as session, session.begin():
        service.decide(
            session, other, Regime.gdpr, Decision.reportable, rationale="emails leaked", actor=CARLA
        )
    assert _clocks(session_factory, other, AWARE)[("gdpr", "notification")].status.value == (
        "running"
    )
