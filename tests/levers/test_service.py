"""The one lever change function: revisions, audit, timeline, no-ops and clear input errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes import audit_verify
from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Forbidden, InvalidInput, NotFound
from blastwall.incidents.models import TimelineEntry
from blastwall.levers import service
from blastwall.registry.models import SurfaceVersion
from tests.levers.factories import ADMIN, RESPONDER, VIEWER, make_incident, make_system


def entries(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_change_sets_levers_bumps_revision_and_audits(session: Session) -> None:
    make_system(session)
    result = service.change(
        session,
        "support-bot",
        "prod",
        {"safe_mode": True, "filters": ["secrets", "pii", "pii"], "reroute_model": " small "},
        actor=ADMIN,
        reason="  refunds routed to fraud  ",
    )
    state = result.state
    assert (result.changed, result.audit_seq) == (True, 1)
    assert (state.environment, state.revision, state.updated_by) == ("prod", 1, "root")
    assert (state.safe_mode, state.killed, state.reroute_model) == (True, False, "small")
    assert state.filters == ["pii", "secrets"]
    [entry] = entries(session)
    assert (entry.actor, entry.role, entry.action) == ("root", "admin", "lever.change")
    assert (entry.target, entry.reason) == ("support-bot/prod", "refunds routed to fraud")
    assert entry.before == {**service.NORMAL, "revision": 0}
    assert entry.after == {
        **service.NORMAL,
        "safe_mode": True,
        "filters": ["pii", "secrets"],
        "reroute_model": "small",
        "revision": 1,
    }


def test_levers_left_out_keep_their_values(session: Session) -> None:
    make_system(session)
    service.change(
        session, "support-bot", "*", {"disabled_tools": ["refund"]}, actor=ADMIN, reason="a"
    )
    second = service.change(
        session, "support-bot", "*", {"retrieval_sources": ["kb-public"]}, actor=ADMIN, reason="b"
    )
    assert second.state.disabled_tools == ["refund"]
    assert second.state.retrieval_sources == ["kb-public"]
    assert second.state.revision == 2
    assert [e.action for e in entries(session)] == ["lever.change", "lever.change"]


def test_revision_is_global_across_systems_and_environments(session: Session) -> None:
    make_system(session, "support-bot")
    make_system(session, "refund-classifier")
    revisions = [
        service.kill(session, "support-bot", "prod", actor=ADMIN, reason="x").state.revision,
        service.kill(session, "refund-classifier", actor=ADMIN, reason="x").state.revision,
        service.kill(session, "support-bot", "staging", actor=ADMIN, reason="x").state.revision,
    ]
    assert revisions == [1, 2, 3]
    assert service.current_revision(session) == 3
    assert [(s.system.name, s.environment) for s in service.since(session, 1)] == [
        ("refund-classifier", "*"),
        ("support-bot", "staging"),
    ]
    assert [s.revision for s in service.since(session, 0, system_name="support-bot")] == [1, 3]
    assert service.since(session, 3) == []


def test_feed_from_ahead_of_the_newest_revision_returns_every_state(session: Session) -> None:
    make_system(session)
    service.kill(session, "support-bot", actor=ADMIN, reason="x")
    # The client followed a database that has since been restored from an older backup.
    revision, states = service.feed(session, 40)
    assert (revision, [s.revision for s in states]) == (1, [1])
    assert service.feed(session, 1) == (1, [])


def test_no_op_change_keeps_revision_and_writes_no_audit(session: Session) -> None:
    make_system(session)
    service.kill(session, "support-bot", actor=ADMIN, reason="first")
    again = service.kill(session, "support-bot", actor=ADMIN, reason="second")
    assert (again.changed, again.audit_seq, again.state.revision) == (False, None, 1)
    assert service.current_revision(session) == 1
    assert len(entries(session)) == 1


def test_restore_of_a_never_changed_system_is_a_no_op_at_revision_zero(session: Session) -> None:
    make_system(session)
    result = service.restore(session, "support-bot", actor=RESPONDER, reason="nothing to undo")
    assert (result.changed, result.state.revision, result.state.killed) == (False, 0, False)
    assert entries(session) == []


def test_kill_and_restore_are_audited_with_their_own_action(session: Session) -> None:
    make_system(session)
    service.change(session, "support-bot", "*", {"filters": ["pii"]}, actor=ADMIN, reason="leak")
    service.kill(session, "support-bot", actor=RESPONDER, reason="unsafe answers")
    restored = service.restore(session, "support-bot", actor=RESPONDER, reason="fixed")
    assert service.snapshot(restored.state) == service.NORMAL
    assert restored.state.revision == 3
    assert [e.action for e in entries(session)] == ["lever.change", "lever.kill", "lever.restore"]
    assert audit_verify.verify(session).ok


def test_change_for_an_incident_appears_in_its_timeline(session: Session) -> None:
    make_system(session)
    incident = make_incident(session)
    result = service.kill(
        session, "support-bot", "prod", actor=RESPONDER, reason="PII leak", incident_id=incident.id
    )
    stmt = select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
    entry, contained = session.scalars(stmt.order_by(TimelineEntry.id))
    assert (contained.kind, incident.status) == ("status", "contained")  # containment.py
    assert incident.acknowledged_at is not None  # a person pulled it: they have seen it
    assert (entry.kind, entry.actor) == ("lever", "alice")
    assert entry.message == "support-bot (prod): killed off -> on. Why: PII leak"
    assert entry.data["revision"] == result.state.revision
    assert entry.data["audit_seq"] == result.audit_seq
    assert entries(session)[0].incident_id == incident.id


def test_unknown_incident_is_refused_before_anything_changes(session: Session) -> None:
    make_system(session)
    with pytest.raises(NotFound, match="incident 999 does not exist"):
        service.kill(session, "support-bot", actor=ADMIN, reason="x", incident_id=999)
    assert service.current_revision(session) == 0


def test_list_for_system_always_shows_the_all_environments_state_first(session: Session) -> None:
    make_system(session)
    service.change(session, "support-bot", "staging", {"safe_mode": True}, actor=ADMIN, reason="x")
    states = service.list_for_system(session, "support-bot").items
    assert [(s.environment, s.revision) for s in states] == [("*", 0), ("staging", 1)]
    assert service.get(session, "support-bot", "prod").revision == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "set is empty: name at least one lever to set"),
        ({"filters": ["pii", "nsfw"]}, "set.filters: 'nsfw' is not a known filter: use pii"),
        ({"filters": ["custom:Bad Name"]}, "'custom:Bad Name' is not a known filter"),
        ({"reroute_model": "  "}, "set.reroute_model: must be a model name"),
        ({"disabled_tools": ["refund", " "]}, "set.disabled_tools: item 1 is empty"),
        ({"retrieval_sources": [""]}, "set.retrieval_sources: item 0 is empty"),
        ({"killed": "yes"}, "set.killed: Input should be a valid boolean"),
        ({"kill": True}, "set.kill: Extra inputs are not permitted"),
    ],
)
def test_bad_lever_values_name_the_field_and_the_fix(
    session: Session, changes: dict[str, Any], message: str
) -> None:
    make_system(session)
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        service.change(session, "support-bot", "*", changes, actor=ADMIN, reason="x")


def test_custom_filters_and_empty_retrieval_narrowing_are_accepted(session: Session) -> None:
    make_system(session)
    result = service.change(
        session,
        "support-bot",
        "*",
        {"filters": ["custom:refund-terms", "blocklist"], "retrieval_sources": []},
        actor=ADMIN,
        reason="x",
    )
    assert result.state.filters == ["blocklist", "custom:refund-terms"]
    assert result.state.retrieval_sources == []


def test_reason_system_and_environment_are_checked(session: Session) -> None:
    make_system(session)
    with pytest.raises(InvalidInput, match="reason is required: say why"):
        service.kill(session, "support-bot", actor=ADMIN, reason="   ")
    with pytest.raises(NotFound, match="no system named 'nope'"):
        service.kill(session, "nope", actor=ADMIN, reason="x")
    with pytest.raises(
        InvalidInput,
        match=r"environment 'prd' is not one of support-bot's environments \(prod, staging\); "
        "use one of them, or '\\*' for all environments",
    ):
        service.kill(session, "support-bot", "prd", actor=ADMIN, reason="x")


def test_viewer_may_not_change_levers(session: Session) -> None:
    make_system(session)
    with pytest.raises(Forbidden, match="val has role viewer; this needs responder or higher"):
        service.kill(session, "support-bot", actor=VIEWER, reason="x")


def test_describe_names_each_moved_lever() -> None:
    after = {**service.NORMAL, "killed": True, "filters": ["pii"], "reroute_model": "small"}
    assert service.describe(service.NORMAL, after) == (
        "killed off -> on, reroute_model none -> small, filters [] -> [pii]"
    )
    assert service.describe(service.NORMAL, service.NORMAL) == "no lever moved"


def test_undeclared_tool_is_refused_naming_the_declared_tools(session: Session) -> None:
    make_system(session)
    with pytest.raises(InvalidInput) as caught:
        service.change(
            session,
            "support-bot",
            "*",
            {"disabled_tools": ["refund", "nuke"]},
            actor=ADMIN,
            reason="x",
        )
    assert caught.value.detail == (
        "support-bot declares no tool named nuke; its tools are: refund, send_email. Use one "
        "of them, or declare it in actions with `blastwall apply`"
    )
    assert caught.value.extra == {"field": "set.disabled_tools"}
    assert entries(session) == []


def test_sources_listed_in_any_retrieval_version_are_declared(session: Session) -> None:
    system = make_system(session)
    kb = system.surfaces[0]
    session.add(
        SurfaceVersion(
            surface=kb,
            number=1,
            content={"index": "kb-1", "sources": ["faq", 7]},
            content_hash="0" * 64,
            created_by="root",
        )
    )
    session.flush()
    result = service.change(
        session,
        "support-bot",
        "*",
        {"retrieval_sources": ["faq", "kb-public"]},
        actor=ADMIN,
        reason="x",
    )
    assert result.state.retrieval_sources == ["faq", "kb-public"]
    with pytest.raises(InvalidInput) as caught:
        service.change(
            session, "support-bot", "*", {"retrieval_sources": ["7"]}, actor=ADMIN, reason="x"
        )
    assert caught.value.detail.startswith(
        "support-bot declares no retrieval source named 7; its retrieval sources are: faq, "
        "kb-public. "
    )


def test_a_name_in_force_but_no_longer_declared_can_still_be_switched_back(
    session: Session,
) -> None:
    system = make_system(session)
    service.change(
        session,
        "support-bot",
        "*",
        {"disabled_tools": ["refund", "send_email"]},
        actor=ADMIN,
        reason="x",
    )
    system.actions = [a for a in system.actions if a.name != "refund"]
    session.flush()
    result = service.change(
        session, "support-bot", "*", {"disabled_tools": ["refund"]}, actor=ADMIN, reason="y"
    )
    assert result.state.disabled_tools == ["refund"]


def test_a_system_that_declares_nothing_is_refused_with_the_hint_to_declare(
    session: Session,
) -> None:
    system = make_system(session)
    system.actions.clear()
    system.surfaces.clear()
    session.flush()
    with pytest.raises(InvalidInput) as tool:
        service.change(
            session, "support-bot", "*", {"disabled_tools": ["refund"]}, actor=ADMIN, reason="x"
        )
    assert tool.value.detail == (
        "support-bot declares no tools yet, so refund cannot be named: declare it in actions "
        "with `blastwall apply`, then pull the lever"
    )
    with pytest.raises(InvalidInput) as source:
        service.change(
            session, "support-bot", "*", {"retrieval_sources": ["kb"]}, actor=ADMIN, reason="x"
        )
    assert source.value.detail == (
        "support-bot declares no retrieval sources yet, so kb cannot be named: declare it in "
        "a retrieval surface (its name, or its content's sources list) with `blastwall "
        "apply`, then pull the lever"
    )
    # Narrowing to no source at all names nothing, so it needs no declaration.
    result = service.change(
        session, "support-bot", "*", {"retrieval_sources": []}, actor=ADMIN, reason="x"
    )
    assert result.state.retrieval_sources == []
    assert entries(session)[-1].action == "lever.change"
