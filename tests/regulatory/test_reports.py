"""Report drafts filled from the record: every template field, lineage, submission."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.comms import ledger
from blastwall.config import get_settings
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.regulatory import reports, service
from blastwall.regulatory.enums import Decision, Regime, ReportFormat, Stage
from blastwall.regulatory.fields import UNKNOWN
from tests.regulatory.factories import ADMIN, CARLA, apply_text, open_incident

Factory = sessionmaker[Session]

EU_FIELDS = {
    "administrative": [
        "authority",
        "authority_reference",
        "submission_date",
        "incident_date",
        "detection_time",
        "awareness_time",
        "report_type",
        "next_report_due",
        "classification",
        "submitter_role",
        "submitter_contact",
        "other_regimes",
    ],
    "ai_system": ["registration_id", "trade_name", "description", "model", "software_version"],
    "incident": ["narrative", "users_affected", "remedial_actions", "first_reporter"],
    "provider_analysis": [
        "preliminary_results",
        "corrective_actions",
        "planned_investigation",
        "root_cause",
        "not_reportable_reasons",
        "risk_assessment_adequate",
    ],
    "comments": ["comments", "liability"],
}
GDPR_FIELDS = [
    "nature",
    "subject_categories",
    "subjects_approx",
    "record_categories",
    "records_approx",
    "dpo_contact",
    "consequences",
    "measures",
    "delay_reasons",
]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def incident(session_factory: Factory) -> int:
    apply_text(session_factory)
    return open_incident(session_factory)


def _draft(factory: Factory, incident: int, regime: Regime, **kwargs: object) -> reports.Report:
    with factory() as session, session.begin():
        return reports.draft(session, incident, regime, ADMIN, now=NOW, **kwargs)  # type: ignore[arg-type]


def test_the_eu_report_has_every_template_field_filled_or_marked_unknown(
    session_factory: Factory, incident: int
) -> None:
    with session_factory() as session, session.begin():
        service.decide(
            session,
            incident,
            Regime.eu_ai_act,
            Decision.reportable,
            rationale="users saw others' data",
            actor=CARLA,
        )
    report = _draft(session_factory, incident, Regime.eu_ai_act, fmt=ReportFormat.json)
    body = json.loads(report.body)
    assert {k: list(v) for k, v in body["fields"].items()} == EU_FIELDS
    assert (body["regime"], body["stage"], body["version"], body["supersedes_id"]) == (
        "eu_ai_act",
        "initial",
        1,
        None,
    )
    fields = body["fields"]
    assert fields["administrative"]["authority"] == "Bundesnetzagentur (DE)"
    assert fields["administrative"]["report_type"] == "initial"
    assert fields["administrative"]["submitter_role"] == "provider"
    assert fields["administrative"]["submitter_contact"] == "privacy-ml"
    assert fields["administrative"]["other_regimes"] == "none"
    assert fields["administrative"]["classification"] == UNKNOWN
    assert fields["administrative"]["next_report_due"] == UNKNOWN
    assert fields["ai_system"] == {
        "registration_id": "EU-DB-0042",
        "trade_name": "privacy-bot",
        "description": "Answers account questions.",
        "model": "model",
        "software_version": UNKNOWN,
    }
    assert fields["incident"]["users_affected"] == "0"
    assert fields["incident"]["first_reporter"] == "root"
    assert fields["provider_analysis"]["not_reportable_reasons"] == (
        "not applicable: decided reportable"
    )
    assert fields["comments"]["liability"] == (
        "This report is made without prejudice and is not an admission of liability or fault."
    )
    assert report.sha256 == ledger.digest(report.body)
    # Markdown carries every field too, each on its own line.
    md = _draft(session_factory, incident, Regime.eu_ai_act).body
    assert md.startswith("# EU AI Act Art. 73: initial report\n")
    assert md.count("\n- **") == sum(len(v) for v in EU_FIELDS.values())
    assert "- **Root cause**: unknown — to be completed\n" in md


def test_the_gdpr_report_adds_every_article_33_3_field(
    session_factory: Factory, incident: int
) -> None:
    body = json.loads(_draft(session_factory, incident, Regime.gdpr, fmt=ReportFormat.json).body)
    assert list(body["fields"]) == [*EU_FIELDS, "gdpr"]
    assert list(body["fields"]["gdpr"]) == GDPR_FIELDS
    assert body["stage"] == "notification"
    assert body["fields"]["gdpr"]["subjects_approx"] == "0"
    assert body["fields"]["gdpr"]["consequences"] == "harm severe; downstream actions reversible"
    assert body["fields"]["gdpr"]["dpo_contact"] == UNKNOWN


def test_lineage_supersedes_and_submission_lands_in_the_ledger(
    session_factory: Factory, incident: int
) -> None:
    first = _draft(session_factory, incident, Regime.eu_ai_act)
    second = _draft(session_factory, incident, Regime.eu_ai_act)
    assert (first.version, first.supersedes_id) == (1, None)
    assert (second.version, second.supersedes_id, second.stage) == (2, first.id, "initial")
    sent_at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    with (
        session_factory() as session,
        session.begin(),
        pytest.raises(Conflict, match=f"report {first.id} is superseded by report {second.id}"),
    ):
        reports.submit(session, first.id, CARLA, now=sent_at)
    with session_factory() as session, session.begin():
        sent = reports.submit(session, second.id, CARLA, now=sent_at)
        assert (sent.submitted_at, sent.submitted_by, sent.recipient) == (
            sent_at,
            "carla",
            "Bundesnetzagentur (DE)",
        )
    with session_factory() as session:
        (entry,) = ledger.for_incident(session, incident)
        assert (entry.kind, entry.channel, entry.recipient, entry.text, entry.sha256) == (
            "report",
            "regulator",
            "Bundesnetzagentur (DE)",
            second.body,
            second.sha256,
        )
        assert (entry.at, entry.actor, entry.ref) == (sent_at, "carla", f"report:{second.id}")
    with (
        session_factory() as session,
        session.begin(),
        pytest.raises(Conflict, match="was already submitted on 2026-12-02T08:00:00"),
    ):
        reports.submit(session, second.id, CARLA)
    follow = _draft(session_factory, incident, Regime.eu_ai_act)
    final = _draft(session_factory, incident, Regime.eu_ai_act, stage=Stage.final)
    assert (follow.stage, follow.version, follow.supersedes_id) == ("follow_up", 3, second.id)
    assert (final.stage, final.version, final.supersedes_id) == ("final", 4, follow.id)
    assert "- **Report type**: final (reportable)\n" in final.body
    with session_factory() as session, session.begin():
        reports.submit(session, final.id, CARLA)
    with (
        session_factory() as session,
        session.begin(),
        pytest.raises(Conflict, match="the lineage is closed"),
    ):
        reports.draft(session, incident, Regime.eu_ai_act, ADMIN)
    with (
        session_factory() as session,
        session.begin(),
        pytest.raises(
            InvalidInput,
            match="gdpr has no early_warning report: use one of notification, follow_up",
        ),
    ):
        reports.draft(session, incident, Regime.gdpr, ADMIN, stage=Stage.early_warning)


def test_a_template_directory_overrides_the_shipped_template(
    session_factory: Factory,
    incident: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    (tmp_path / "gdpr.md.j2").write_text(
        "GDPR breach {{ incident_id }}: {{ fields.gdpr.subjects_approx }} people\n"
    )
    (tmp_path / "report.json.j2").write_text("{not json")
    monkeypatch.setenv("BLASTWALL_REGULATORY_TEMPLATES_DIR", str(tmp_path))
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    assert _draft(session_factory, incident, Regime.gdpr).body == (
        f"GDPR breach {incident}: 0 people\n"
    )
    # Other regimes still get the shipped Markdown template.
    assert _draft(session_factory, incident, Regime.nis2).body.startswith("# NIS2 Art. 23")
    with pytest.raises(
        InvalidInput, match=r"report template report\.json\.j2 did not render valid JSON"
    ):
        _draft(session_factory, incident, Regime.nis2, fmt=ReportFormat.json)
