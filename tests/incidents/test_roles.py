"""Roles on an incident (I2) on both databases: assign, hand over, remove, ack, the rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import audit_verify
from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Forbidden, InvalidInput, NotFound
from blastwall.incidents import roles, service
from blastwall.incidents.models import Incident
from blastwall.incidents.schemas import IncidentUpdate
from tests.incidents.factories import ADMIN, RESPONDER, incident_data, make_system

BOB = Actor(name="bob", role=Role.responder)
CORA = Actor(name="cora", role=Role.commander)


def role_entries(incident: Incident) -> list[tuple[str, str, str]]:
    """(actor, message, data without audit_seq) of every role entry on the timeline."""
    return [
        (e.actor, e.message, {k: v for k, v in e.data.items() if k != "audit_seq"})
        for e in incident.timeline
        if e.kind == "role"
    ]


def role_audit(session: Session, incident_id: int) -> list[tuple[str, str, str, dict, dict]]:
    query = select(AuditEntry).where(
        AuditEntry.incident_id == incident_id, AuditEntry.action.startswith("incident.role_")
    )
    return [
        (e.action, e.actor, e.reason, e.before, e.after)
        for e in session.scalars(query.order_by(AuditEntry.seq))
    ]


def holders(incident: Incident) -> tuple[str | None, str | None, list[str]]:
    return (incident.commander, incident.communications_lead, incident.responders)


def test_assign_hand_over_and_remove_are_each_one_recorded_change(session: Session) -> None:
    make_system(session)
    incident = service.open(session, incident_data(system="refund-bot"), RESPONDER)
    roles.assign(session, incident.id, "commander", "bob", RESPONDER)
    roles.assign(session, incident.id, "communications", "dana", BOB, reason="writes the updates")
    roles.assign(session, incident.id, "responder", "erin", RESPONDER)
    roles.assign(session, incident.id, "responder", "finn", RESPONDER)
    roles.assign(session, incident.id, "commander", "alice", BOB, reason="bob goes off shift")
    roles.remove(session, incident.id, "responder", "erin", RESPONDER, reason="back to sleep")

    assert holders(incident) == ("alice", "dana", ["finn"])
    assert role_entries(incident) == [
        ("rita", "bob is now commander", {"role": "commander", "to": "bob", "from": None}),
        (
            "bob",
            "dana is now communications lead: writes the updates",
            {"role": "communications", "to": "dana", "from": None},
        ),
        ("rita", "erin is now a responder", {"role": "responder", "to": "erin", "from": None}),
        ("rita", "finn is now a responder", {"role": "responder", "to": "finn", "from": None}),
        (
            "bob",
            "alice is now commander (was bob): bob goes off shift",
            {"role": "commander", "to": "alice", "from": "bob"},
        ),
        (
            "rita",
            "erin is no longer a responder: back to sleep",
            {"role": "responder", "to": None, "from": "erin"},
        ),
    ]
    audit = role_audit(session, incident.id)
    assert audit[4] == (
        "incident.role_assigned",
        "bob",
        "bob goes off shift",
        {"role": "commander", "holders": ["bob"]},
        {"role": "commander", "holders": ["alice"]},
    )
    assert audit[5] == (
        "incident.role_removed",
        "rita",
        "back to sleep",
        {"role": "responder", "holders": ["erin", "finn"]},
        {"role": "responder", "holders": ["finn"]},
    )
    assert [a[0] for a in audit] == ["incident.role_assigned"] * 5 + ["incident.role_removed"]
    assert audit_verify.verify(session).ok


def test_assigning_the_current_holder_records_nothing(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    roles.assign(session, incident.id, "commander", "bob", RESPONDER)
    roles.assign(session, incident.id, "responder", "erin", RESPONDER)
    roles.assign(session, incident.id, "commander", "bob", CORA)
    roles.assign(session, incident.id, "responder", "erin", RESPONDER)
    assert holders(incident) == ("bob", None, ["erin"])
    assert len(role_audit(session, incident.id)) == 2


def test_acknowledging_makes_the_acknowledger_commander_when_nobody_commands(
    session: Session,
) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    service.acknowledge(session, incident.id, BOB)
    assert incident.commander == "bob"
    assert role_entries(incident) == [
        (
            "bob",
            "bob is now commander: acknowledged the incident",
            {"role": "commander", "to": "bob", "from": None},
        )
    ]
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.incident_id == incident.id)
        .order_by(AuditEntry.seq)
    ).all()
    assert actions == ["incident.open", "incident.acknowledge", "incident.role_assigned"]


def test_acknowledging_keeps_an_existing_commander(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    roles.assign(session, incident.id, "commander", "alice", RESPONDER)
    service.acknowledge(session, incident.id, BOB)
    assert incident.commander == "alice"
    assert [m for _, m, _ in role_entries(incident)] == ["alice is now commander"]


def test_a_later_acknowledgement_takes_command_left_vacant(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    service.acknowledge(session, incident.id, RESPONDER)
    roles.remove(session, incident.id, "commander", "rita", RESPONDER)
    service.acknowledge(session, incident.id, BOB)
    assert incident.commander == "bob"
    assert [m for _, m, _ in role_entries(incident)] == [
        "rita is now commander: acknowledged the incident",
        "rita is no longer commander",
        "bob is now commander: acknowledged the incident",
    ]


def test_only_the_commander_or_a_commander_token_hands_over_command(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    roles.assign(session, incident.id, "commander", "alice", RESPONDER)
    with pytest.raises(Forbidden) as refused:
        roles.assign(session, incident.id, "commander", "bob", BOB)
    assert refused.value.detail == (
        f"bob may not take the commander role from alice on incident {incident.id}: that "
        "needs the current commander, or a token of role commander or admin"
    )
    with pytest.raises(Forbidden):
        roles.remove(session, incident.id, "commander", "alice", BOB)
    roles.assign(session, incident.id, "commander", "bob", CORA)
    roles.assign(session, incident.id, "commander", "carl", BOB)
    roles.assign(session, incident.id, "commander", "alice", ADMIN)
    assert incident.commander == "alice"


def test_the_commander_may_hand_over_communications(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    roles.assign(session, incident.id, "commander", "bob", RESPONDER)
    roles.assign(session, incident.id, "communications", "dana", RESPONDER)
    outsider = Actor(name="otto", role=Role.responder)
    with pytest.raises(Forbidden) as refused:
        roles.assign(session, incident.id, "communications", "otto", outsider)
    assert refused.value.detail == (
        f"otto may not take the communications lead role from dana on incident {incident.id}: "
        "that needs its current holder, the incident's commander, or a token of role "
        "commander or admin"
    )
    roles.assign(session, incident.id, "communications", "erin", BOB)
    roles.assign(session, incident.id, "communications", "finn", Actor("erin", Role.responder))
    assert incident.communications_lead == "finn"


def test_viewers_assign_nothing(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    with pytest.raises(Forbidden) as refused:
        roles.assign(session, incident.id, "responder", "val", Actor("val", Role.viewer))
    assert refused.value.detail == (
        "val has role viewer; assigning incident roles needs responder or higher"
    )


def test_bad_role_name_and_missing_holder_say_how_to_fix(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    with pytest.raises(InvalidInput) as bad_role:
        roles.assign(session, incident.id, "scribe", "bob", RESPONDER)
    assert bad_role.value.detail == (
        "unknown role 'scribe': use one of commander, communications, responder"
    )
    with pytest.raises(InvalidInput) as bad_name:
        roles.assign(session, incident.id, "responder", "Bob Smith", RESPONDER)
    assert bad_name.value.detail == (
        "'Bob Smith' is not a person's name: use lower-case letters, digits and . _ @ -, "
        "starting with a letter or digit (like a token name, e.g. alice)"
    )
    with pytest.raises(NotFound) as missing:
        roles.remove(session, incident.id, "responder", "zed", RESPONDER)
    assert missing.value.detail == (
        f"zed is not a responder on incident {incident.id} (holders now: nobody); "
        "`blastwall incident show ID` lists who holds which role"
    )
    with pytest.raises(NotFound, match=r"^incident 999 does not exist"):
        roles.assign(session, 999, "responder", "bob", RESPONDER)
    assert role_audit(session, incident.id) == []


def test_roles_stay_correctable_after_resolution(session: Session) -> None:
    incident = service.open(session, incident_data(harm="minor"), RESPONDER)
    service.resolve(session, incident.id, RESPONDER)
    roles.assign(session, incident.id, "responder", "erin", RESPONDER, reason="was on the call")
    assert (incident.status, incident.responders) == ("resolved", ["erin"])


def test_patching_commander_is_a_role_change_under_the_same_rule(session: Session) -> None:
    incident = service.open(session, incident_data(), RESPONDER)
    service.update(session, incident.id, IncidentUpdate(commander="alice"), RESPONDER)
    with pytest.raises(Forbidden):
        service.update(session, incident.id, IncidentUpdate(commander="bob"), BOB)
    service.update(session, incident.id, IncidentUpdate(commander=None), CORA)
    assert incident.commander is None
    assert [m for _, m, _ in role_entries(incident)] == [
        "alice is now commander",
        "alice is no longer commander",
    ]
