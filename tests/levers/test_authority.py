"""Authority protocol (I4): default rules, configured rules, and errors that say who may."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Forbidden, InvalidInput
from blastwall.levers import authority, service
from blastwall.levers.authority import Rule
from blastwall.levers.enums import Lever
from tests.levers.factories import ADMIN, COMMANDER, RESPONDER, VIEWER, make_system

BOB = Actor("bob", Role.responder)


def test_defaults_let_responders_kill_and_restore_only(session: Session) -> None:
    make_system(session)
    assert authority.rules(session) == [
        Rule("role:admin", "*"),
        Rule("role:commander", "*"),
        Rule("role:responder", "kill"),
        Rule("role:responder", "restore"),
    ]
    assert service.kill(session, "support-bot", actor=RESPONDER, reason="x").changed
    assert service.restore(session, "support-bot", actor=RESPONDER, reason="x").changed
    with pytest.raises(Forbidden) as caught:
        service.change(
            session, "support-bot", "*", {"safe_mode": True}, actor=RESPONDER, reason="x"
        )
    assert caught.value.detail == (
        "alice (role responder) may not pull 'safe_mode' on 'support-bot': no authority rule "
        "allows it; it is allowed to role:admin, role:commander. Ask one of them, or have an "
        "admin add the rule {subject: person:alice, lever: safe_mode, system: support-bot} "
        "under authority in blastwall.yaml and apply it"
    )
    assert service.change(
        session, "support-bot", "*", {"safe_mode": True}, actor=COMMANDER, reason="x"
    ).changed


def test_a_partial_reset_needs_each_levers_authority_not_restore(session: Session) -> None:
    make_system(session)
    service.change(session, "support-bot", "*", {"safe_mode": True}, actor=ADMIN, reason="x")
    with pytest.raises(Forbidden, match="may not pull 'safe_mode'"):
        service.change(
            session, "support-bot", "*", {"safe_mode": False}, actor=RESPONDER, reason="x"
        )


def test_configured_rules_replace_the_defaults(session: Session) -> None:
    make_system(session, "support-bot")
    make_system(session, "refund-classifier")
    change = authority.replace_rules(
        session,
        [
            {"subject": "person:bob", "lever": "safe_mode", "system": "support-bot"},
            {"subject": "role:responder", "lever": "*", "system": "refund-classifier"},
        ],
        ADMIN,
    )
    assert change.added == [
        Rule("person:bob", "safe_mode", "support-bot"),
        Rule("role:responder", "*", "refund-classifier"),
    ]
    assert change.removed == []
    assert service.change(
        session, "support-bot", "*", {"safe_mode": True}, actor=BOB, reason="x"
    ).changed
    with pytest.raises(Forbidden, match=r"it is allowed to role:admin\. Ask"):
        service.kill(session, "support-bot", actor=BOB, reason="x")
    # role:responder also covers the higher commander role.
    assert service.kill(session, "refund-classifier", actor=COMMANDER, reason="x").changed
    with pytest.raises(Forbidden, match=r"it is allowed to person:bob, role:admin\. Ask"):
        authority.check(session, RESPONDER, Lever.safe_mode, "support-bot")
    with pytest.raises(Forbidden, match="val has role viewer; this needs responder or higher"):
        authority.check(session, VIEWER, Lever.safe_mode, "refund-classifier")


def test_admin_may_always_pull_every_lever(session: Session) -> None:
    authority.replace_rules(session, [Rule("person:bob", "kill", "x")], ADMIN)
    authority.check(session, ADMIN, Lever.narrow_retrieval, "anything")


def test_replacing_rules_is_audited_and_a_repeat_is_a_no_op(session: Session) -> None:
    rules = [Rule("role:responder", "safe_mode", "*")]
    assert authority.replace_rules(session, rules, ADMIN).changed
    again = authority.replace_rules(session, rules, ADMIN)
    assert (again.added, again.removed) == ([], [])
    [entry] = session.scalars(select(AuditEntry))
    assert (entry.action, entry.target, entry.actor) == ("authority.replace", "authority", "root")
    assert entry.before == {"rules": []}
    assert entry.after == {
        "rules": [{"subject": "role:responder", "lever": "safe_mode", "system": "*"}]
    }
    dropped = authority.replace_rules(session, [], ADMIN)
    assert dropped.removed == rules
    assert authority.rules(session) == sorted(authority.DEFAULT_RULES)


def test_diff_rules_plans_without_writing(session: Session) -> None:
    authority.replace_rules(session, [Rule("person:bob", "kill")], ADMIN)
    plan = authority.diff_rules(session, [Rule("person:eve", "kill")])
    assert (plan.added, plan.removed) == (
        [Rule("person:eve", "kill")],
        [Rule("person:bob", "kill")],
    )
    assert authority.configured(session) == [Rule("person:bob", "kill")]


def test_only_admins_replace_rules(session: Session) -> None:
    with pytest.raises(Forbidden, match="carol has role commander; this needs admin or higher"):
        authority.replace_rules(session, [], COMMANDER)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"subject": "alice", "lever": "kill"}, "subject: 'alice' is not a subject: use role:"),
        ({"subject": "role:boss", "lever": "kill"}, "subject: 'role:boss' is not a subject"),
        ({"subject": "role:viewer", "lever": "kill"}, "subject: viewers cannot change levers"),
        ({"subject": "person:bob", "lever": "nuke"}, "lever: 'nuke' is not a lever: use one of"),
        (
            {"subject": "person:bob", "lever": "kill", "system": "Bad!"},
            "system: 'Bad!' is not a system",
        ),
        ({"subject": "person:bob"}, "lever: Field required"),
        ({"subject": "person:bob", "lever": "kill", "who": 1}, "who: Extra inputs"),
    ],
)
def test_bad_rules_name_their_index_and_field(
    session: Session, rule: dict[str, object], message: str
) -> None:
    ok = {"subject": "person:bob", "lever": "kill"}
    with pytest.raises(InvalidInput, match=f"authority rule 1: {message}"):
        authority.replace_rules(session, [ok, rule], ADMIN)  # type: ignore[list-item]
