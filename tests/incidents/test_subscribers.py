"""The timeline subscriber and incidents' answers through changes.references."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes import Change, record, references
from blastwall.exceptions import Conflict, NotFound
from blastwall.incidents import service
from blastwall.incidents.models import TimelineEntry
from blastwall.incidents.subscribers import timeline_kind
from blastwall.registry import service as registry
from tests.incidents.factories import ADMIN, RESPONDER, incident_data, make_system


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("incident.open", "opened"),
        ("incident.update", "update"),
        ("incident.transition", "status"),
        ("incident.acknowledge", "acknowledged"),
        ("incident.note", "note"),
        ("release.rollback", "rollback"),
        ("release.activate", "release"),
        ("lever.kill", "lever"),
        ("lever.change", "lever"),
    ],
)
def test_timeline_kind_follows_the_action(action: str, kind: str) -> None:
    assert timeline_kind(action) == kind


def _entries(session: Session, incident_id: int) -> list[tuple[str, str, str, dict[str, object]]]:
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
    return [(e.kind, e.actor, e.message, e.data) for e in session.scalars(stmt.order_by("id"))]


def test_a_change_for_an_incident_lands_on_its_timeline_with_its_audit_seq(
    session: Session,
) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    recorded = record(
        session,
        Change(
            action="lever.change",
            target="refund-bot/prod",
            actor=RESPONDER,
            incident_id=incident.id,
            timeline="refund-bot (prod): safe_mode off -> on. Why: test",
            data={"revision": 7},
        ),
    )
    assert _entries(session, incident.id)[-1] == (
        "lever",
        "rita",
        "refund-bot (prod): safe_mode off -> on. Why: test",
        {"revision": 7, "audit_seq": recorded.audit_seq},
    )


@pytest.mark.parametrize(("with_incident", "timeline"), [(False, "a sentence"), (True, "")])
def test_a_change_without_incident_or_sentence_adds_no_entry(
    session: Session, with_incident: bool, timeline: str
) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    before = _entries(session, incident.id)
    record(
        session,
        Change(
            action="lever.change",
            target="refund-bot/prod",
            actor=RESPONDER,
            incident_id=incident.id if with_incident else None,
            timeline=timeline,
        ),
    )
    assert _entries(session, incident.id) == before


def test_a_note_is_returned_as_the_entry_its_change_added(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    note = service.add_note(session, incident.id, "  refunds paused  ", RESPONDER)
    assert (note.kind, note.message, note.incident_id) == ("note", "refunds paused", incident.id)
    assert _entries(session, incident.id)[-1][2] == "refunds paused"


def test_require_incident_names_the_field_and_how_to_find_ids(session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        references.require(session, "incident", 4242, field="incident_id")
    assert caught.value.detail == (
        "incident 4242 does not exist; `blastwall incident list` lists them"
    )
    assert caught.value.extra == {"field": "incident_id"}


def test_an_unanswered_question_fails_loudly(session: Session) -> None:
    with pytest.raises(LookupError, match="no domain answers for 'postmortem' ids"):
        references.require(session, "postmortem", 1)


def test_a_system_named_by_an_incident_is_not_deleted(session: Session) -> None:
    make_system(session)
    service.open(session, incident_data(system="refund-bot"), RESPONDER)
    with pytest.raises(Conflict) as caught:
        registry.delete(session, "refund-bot", ADMIN)
    assert caught.value.detail == (
        "system 'refund-bot' has 0 release(s) and 1 incident(s) and cannot be deleted; "
        "their history must stay readable"
    )
