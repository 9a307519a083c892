"""Incident service on both databases: severity on open, updates, lifecycle, timeline, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes import audit_verify
from blastwall.changes.models import AuditEntry
from blastwall.db.base import utcnow
from blastwall.exceptions import InvalidInput, InvalidTransition, NotFound
from blastwall.incidents import service, timeline
from blastwall.incidents.schemas import IncidentUpdate
from tests.incidents.factories import RESPONDER, at, incident_data, make_system


def audit_actions(session: Session, incident_id: int) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.incident_id == incident_id)
    return list(session.scalars(query.order_by(AuditEntry.seq)))


def kinds(session: Session, incident_id: int) -> list[str]:
    return [e.kind for e in service.get(session, incident_id).timeline]


def test_reversibility_defaults_from_the_systems_downstream_actions(session: Session) -> None:
    make_system(session, "refund-bot", {"issue_refund": False, "send_email": True})
    make_system(session, "faq-bot", {"send_email": True})
    pays = service.open(session, incident_data(system="refund-bot"), RESPONDER)
    talks = service.open(session, incident_data(system="faq-bot"), RESPONDER)
    unknown = service.open(session, incident_data(), RESPONDER)

    assert (pays.reversibility, pays.severity, pays.matrix_version) == ("irreversible", 1, 0)
    assert (talks.reversibility, talks.severity) == ("reversible", 2)
    assert (unknown.reversibility, unknown.severity, unknown.system) == ("reversible", 2, None)
    opened = pays.timeline[0]
    assert (opened.kind, opened.actor) == ("opened", "rita")
    assert opened.message == (
        "opened at severity 1 (moderate harm, irreversible: refund-bot can fire issue_refund); "
        "containment: kill or human_fallback now; diagnose after"
        "; evidence hold on (EU AI Act Art. 73(6))"  # severity 1 opens under hold (F4)
    )
    assert audit_actions(session, pays.id) == ["incident.open", "incident.hold"]
    assert audit_verify.verify(session).ok


def test_given_reversibility_wins_and_started_at_defaults_to_detection(session: Session) -> None:
    make_system(session)
    incident = service.open(
        session, incident_data(system="refund-bot", reversibility="reversible"), RESPONDER
    )
    assert (incident.reversibility, incident.severity) == ("reversible", 2)
    assert incident.started_at == incident.detected_at
    assert incident.timeline[0].data["reversibility_reason"] == "given when opened"


def test_open_refuses_unknown_system_and_start_after_detection(session: Session) -> None:
    with pytest.raises(NotFound, match="system: no system named 'ghost'"):
        service.open(session, incident_data(system="ghost"), RESPONDER)
    later = (utcnow() + timedelta(hours=1)).isoformat()
    with pytest.raises(InvalidInput, match="an incident cannot start after it was detected"):
        service.open(session, incident_data(started_at=later), RESPONDER)


def test_started_at_may_only_move_earlier(session: Session) -> None:
    incident = service.open(session, incident_data(started_at=at(10).isoformat()), RESPONDER)
    service.update(session, incident.id, IncidentUpdate(started_at=at(5)), RESPONDER)
    assert incident.started_at == at(5)
    with pytest.raises(InvalidInput) as refused:
        service.update(session, incident.id, IncidentUpdate(started_at=at(7)), RESPONDER)
    assert refused.value.detail == (
        "started_at may only move earlier: it is 2025-03-01T02:05:00+00:00 and "
        "2025-03-01T02:07:00+00:00 is later; send an earlier time or leave started_at out"
    )
    assert incident.started_at == at(5)


def test_update_recomputes_severity_and_records_what_changed(session: Session) -> None:
    incident = service.open(session, incident_data(harm="minor"), RESPONDER)
    assert incident.severity == 3
    patch = IncidentUpdate(harm="severe", classes=["privacy", "integrity", "privacy"])
    service.update(session, incident.id, patch, RESPONDER)

    assert (incident.harm, incident.severity, incident.classes) == (
        "severe",
        1,
        ["privacy", "integrity"],
    )
    entry = incident.timeline[-1]
    assert entry.kind == "update"
    assert entry.message == (
        "classes: ['integrity'] -> ['privacy', 'integrity']; harm: minor -> severe; "
        "severity: 3 -> 1"
    )
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None
    assert (last.action, last.before, last.after) == (
        "incident.update",
        {"classes": ["integrity"], "harm": "minor", "severity": 3},
        {"classes": ["privacy", "integrity"], "harm": "severe", "severity": 1},
    )


def test_update_refuses_empty_or_null_and_ignores_no_op(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    with pytest.raises(InvalidInput, match="nothing to change: send at least one of title"):
        service.update(session, incident.id, IncidentUpdate(), RESPONDER)
    with pytest.raises(InvalidInput, match="harm cannot be null; leave it out"):
        service.update(session, incident.id, IncidentUpdate(harm=None), RESPONDER)
    service.update(session, incident.id, IncidentUpdate(title=incident.title), RESPONDER)
    service.update(session, incident.id, IncidentUpdate(failure_mode=None), RESPONDER)
    assert incident.failure_mode is None
    assert kinds(session, incident.id) == ["opened", "update"]


def test_full_lifecycle_sets_milestones_timeline_and_audit(session: Session) -> None:
    incident = service.open(session, incident_data(harm="severe"), RESPONDER)
    service.acknowledge(session, incident.id, RESPONDER, note="on it")
    for to in ("triaged", "contained", "mitigated"):
        service.transition(session, incident.id, to, RESPONDER, note=f"now {to}")
    service.resolve(session, incident.id, RESPONDER)
    service.transition(session, incident.id, "postmortem_done", RESPONDER)

    assert incident.status == "postmortem_done"
    stamps = [
        incident.detected_at,
        incident.acknowledged_at,
        incident.contained_at,
        incident.mitigated_at,
        incident.resolved_at,
        incident.postmortem_done_at,
    ]
    assert None not in stamps
    assert stamps == sorted(stamps)
    assert kinds(session, incident.id) == ["opened", "acknowledged", "role"] + ["status"] * 5
    contained = incident.timeline[4]
    assert contained.message == "triaged -> contained: now contained"
    assert contained.data["milestones"] == {"contained_at": incident.contained_at.isoformat()}
    assert (
        audit_actions(session, incident.id)
        == [
            "incident.open",
            "incident.acknowledge",
            "incident.role_assigned",
        ]
        + ["incident.transition"] * 5
    )


def test_refused_transition_lists_allowed_and_records_nothing(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    with pytest.raises(InvalidTransition) as refused:
        service.resolve(session, incident.id, RESPONDER)
    assert refused.value.detail.startswith(f"incident {incident.id} is severity 2: contain or")
    assert refused.value.extra["allowed"] == ["triaged", "contained", "mitigated"]
    assert (incident.status, kinds(session, incident.id)) == ("detected", ["opened"])


def test_acknowledging_twice_keeps_the_first_time(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    service.acknowledge(session, incident.id, RESPONDER)
    first = incident.acknowledged_at
    service.acknowledge(session, incident.id, RESPONDER)
    service.acknowledge(session, incident.id, RESPONDER, note="second pair of eyes")
    assert incident.acknowledged_at == first
    assert kinds(session, incident.id) == ["opened", "acknowledged", "role", "note"]


def test_notes_and_other_domains_entries_share_one_timeline(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    assert len(incident.timeline) == 1  # loaded now: later entries must still show up in it
    timeline.add_entry(
        session, incident.id, kind="lever", message="killed refund-bot", actor="rita"
    )
    service.add_note(session, incident.id, "  refunds paused at the bank  ", RESPONDER)
    timeline.add_entry(session, incident.id, kind="rollback", message="to v41", actor="rita")
    assert [(e.kind, e.message) for e in incident.timeline] == [
        ("opened", incident.timeline[0].message),
        ("lever", "killed refund-bot"),
        ("note", "refunds paused at the bank"),
        ("rollback", "to v41"),
    ]
    with pytest.raises(InvalidInput, match="message is empty"):
        service.add_note(session, incident.id, "   ", RESPONDER)
    with pytest.raises(NotFound, match="incident 999 does not exist"):
        service.add_note(session, 999, "hello", RESPONDER)


def test_list_filters_and_metrics_average_milestones(session: Session) -> None:
    make_system(session)
    first = service.open(session, incident_data(system="refund-bot"), RESPONDER)
    second = service.open(session, incident_data(harm="none"), RESPONDER)
    for incident, minutes in ((first, 10), (second, 30)):
        incident.started_at, incident.detected_at = at(0), at(minutes)
        incident.acknowledged_at, incident.contained_at = at(minutes + 2), at(minutes + 4)
    first.resolved_at = at(70)

    assert [i.id for i in service.list_(session).items] == [second.id, first.id]
    assert [i.id for i in service.list_(session, system="refund-bot").items] == [first.id]
    assert [i.id for i in service.list_(session, severity=3).items] == [second.id]
    assert service.list_(session, status="resolved").items == []
    summary = service.metrics(session)
    assert (summary.incidents, summary.mttd_s, summary.mtta_s) == (2, 1200.0, 120.0)
    assert (summary.mean_time_to_contain_s, summary.mttr_s) == (240.0, 3600.0)
