"""Applying blastwall.yaml: plan first, idempotent, dry runs change nothing, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.enums import PlanAction
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import parse
from blastwall.config_as_code.plan import Plan
from blastwall.db.session import unit_of_work
from blastwall.exceptions import Forbidden, InvalidInput
from blastwall.incidents import matrix
from blastwall.levers import authority
from blastwall.registry import releases
from blastwall.registry import service as registry
from blastwall.registry.models import System
from blastwall.registry.schemas import SystemSpec as RegistrySystemSpec
from blastwall.registry.surfaces import canonical_hash
from tests.config_as_code.factories import ADMIN, COMMANDER, example, snapshot

Factory = sessionmaker[Session]

FIRST_PLAN = [
    ("create", "system", "support-agent"),
    ("create", "action", "support-agent/send_reply"),
    ("create", "action", "support-agent/escalate_to_human"),
    ("create", "action", "support-agent/account_hold"),
    ("create", "action", "support-agent/issue_refund"),
    ("create", "action", "support-agent/close_ticket"),
    ("create", "surface", "support-agent/router-model"),
    ("create", "surface", "support-agent/system-prompt"),
    ("create", "surface", "support-agent/help-centre"),
    ("create", "surface", "support-agent/generation"),
    ("create", "release", "support-agent@initial"),
    ("create", "monitor", "support-agent/fraud-share"),
    ("create", "monitor", "support-agent/refusals"),
    ("create", "monitor", "support-agent/reply-length"),
    ("create", "monitor", "support-agent/pii-in-answers"),
    ("create", "monitor", "support-agent/injection-attempts"),
    ("create", "monitor", "support-agent/compliance-hits"),
    ("create", "monitor", "support-agent/latency"),
    ("create", "monitor", "support-agent/refunds-issued"),
    ("create", "monitor", "support-agent/customer-flags"),
    ("create", "monitor", "support-agent/review-accuracy"),
    ("create", "monitor", "support-agent/canary-failures"),
    ("create", "review", "support-agent"),
    ("create", "canary_target", "support-agent"),
    ("create", "canary_set", "support-agent/routing"),
    ("create", "regimes", "support-agent"),
    ("create", "authority_rule", "person:dana.okafor disable_tools on support-agent"),
    ("create", "authority_rule", "person:dana.okafor human_fallback on support-agent"),
    ("create", "authority_rule", "person:dana.okafor narrow_retrieval on support-agent"),
    ("create", "authority_rule", "person:dana.okafor safe_mode on support-agent"),
    ("create", "authority_rule", "policy:rollback-hot-release * on support-agent"),
    ("create", "authority_rule", "role:commander * on *"),
    ("create", "authority_rule", "role:responder kill on support-agent"),
    ("create", "authority_rule", "role:responder restore on support-agent"),
    ("update", "severity_matrix", "severity_matrix"),
    ("create", "person", "dana.okafor"),
    ("create", "person", "lee.chen"),
    ("create", "person", "sam.adeyemi"),
    ("create", "schedule", "support-primary"),
    ("create", "escalation_policy", "support"),
    ("create", "coverage", "coverage"),
    ("create", "notify_channel", "pager (disabled: PAGERDUTY_ROUTING_KEY unset)"),
    ("create", "notify_channel", "support-slack (disabled: SLACK_WEBHOOK_URL unset)"),
    ("create", "notify_channel", "incident-hook (disabled: BLASTWALL_WEBHOOK_URL unset)"),
    ("create", "notify_route", "page-sev1-sev2"),
    ("create", "notify_route", "agent-updates"),
    ("create", "notify_route", "regulator-deadlines"),
    ("create", "triage_tree", "support-agent"),
    ("create", "policy", "kill-on-fraud-drift"),
    ("create", "policy", "rollback-hot-release"),
    ("create", "communications", "communications"),
]

CLOSE_TICKET = (
    "      - name: close_ticket\n        reversible: true\n"
    "        description: Marks the ticket solved; the customer can reopen it.\n"
)


def steps(plan: Plan) -> list[tuple[str, str, str]]:
    return [(i.action.value, i.kind.value, i.name) for i in plan.items]


def changes(plan: Plan) -> list[dict[str, Any]]:
    """Only the steps that change something, as the API shows them."""
    return [i.as_dict() for i in plan.items if i.action.changes_something]


def apply_example(factory: Factory, *edits: tuple[str, str], dry_run: bool = False) -> Plan:
    with unit_of_work(factory) as session:
        return apply(session, example(*edits), actor=ADMIN, dry_run=dry_run)


def rows(factory: Factory) -> dict[str, list[tuple[Any, ...]]]:
    with factory() as session:
        return snapshot(session)


def test_first_apply_creates_the_declared_system_authority_and_matrix(
    session_factory: Factory,
) -> None:
    plan = apply_example(session_factory)
    assert steps(plan) == FIRST_PLAN
    assert plan.summary() == "50 to create, 1 to update, 0 to delete, 0 unchanged"
    assert plan.items[0].changes["risk_tier"] == (None, "high")
    with session_factory() as session:
        system = registry.get_by_name(session, "support-agent")
        assert system.owner == "Dana Okafor (support-ml team)"
        assert system.stale_policy == "safe_mode"
        assert system.stale_after_s == 60
        assert {a.name: a.reversible for a in system.actions}["issue_refund"] is False
        initial = releases.get_release(session, "support-agent", "initial")
        assert releases.versions(initial) == {
            "router-model": 1,
            "system-prompt": 1,
            "help-centre": 1,
            "generation": 1,
        }
        assert initial.known_good is False
        assert len(authority.configured(session)) == 8
        current = matrix.current_matrix(session)
        assert current.version == 1
        assert matrix.severity_for(current, "moderate", "irreversible").escalation == (
            "page the incident commander and the payments on-call"
        )
        last = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
        assert last is not None
        assert (last.action, last.actor, last.reason) == (
            "config.apply",
            "root",
            "50 to create, 1 to update, 0 to delete, 0 unchanged",
        )
        assert last.target == "examples/blastwall.yaml"


def test_second_apply_is_all_unchanged_and_writes_nothing(session_factory: Factory) -> None:
    apply_example(session_factory)
    before = rows(session_factory)
    again = apply_example(session_factory)
    assert {step[0] for step in steps(again)} == {"unchanged"}
    assert [step[1:] for step in steps(again)] == [
        step[1:] for step in FIRST_PLAN if step[1] != "release"
    ]
    assert again.changed is False
    assert rows(session_factory) == before


def test_dry_run_shows_the_plan_and_changes_nothing(session_factory: Factory) -> None:
    before = rows(session_factory)
    preview = apply_example(session_factory, dry_run=True)
    assert rows(session_factory) == before
    assert changes(preview) == changes(apply_example(session_factory))


def test_edits_plan_updates_deletes_and_a_release_for_new_content(
    session_factory: Factory,
) -> None:
    apply_example(session_factory)
    edited = (
        ("owner: Dana Okafor (support-ml team)", "owner: Sam Lee (support-ml team)"),
        (CLOSE_TICKET, ""),
        (
            "reversible: true\n        description: Moves",
            "reversible: false\n        description: Moves",
        ),
        (
            "    surfaces:\n",
            "    surfaces:\n      - name: tone\n        kind: prompt\n"
            "        content: {template: Be kind.}\n",
        ),
        (
            "system-prompt\n        kind: prompt\n        content:\n          template: |\n"
            "            You are",
            "system-prompt\n        kind: prompt\n        content:\n"
            "          template: |\n            Edited: you are",
        ),
        ("levers: [kill, restore]", "levers: [kill]"),
    )
    preview = apply_example(session_factory, *edited, dry_run=True)
    assert changes(preview) == [
        {
            "action": "update",
            "kind": "system",
            "name": "support-agent",
            "changes": {"owner": ["Dana Okafor (support-ml team)", "Sam Lee (support-ml team)"]},
        },
        {
            "action": "update",
            "kind": "action",
            "name": "support-agent/escalate_to_human",
            "changes": {"reversible": [True, False]},
        },
        {
            "action": "delete",
            "kind": "action",
            "name": "support-agent/close_ticket",
            "changes": {
                "reversible": [True, None],
                "description": ["Marks the ticket solved; the customer can reopen it.", None],
            },
        },
        {
            "action": "create",
            "kind": "surface",
            "name": "support-agent/tone",
            "changes": {"kind": [None, "prompt"]},
        },
        {
            "action": "create",
            "kind": "release",
            "name": "support-agent@config-2",
            "changes": {
                "tone": [None, canonical_hash({"template": "Be kind."})],
            },
        },
        {
            "action": "delete",
            "kind": "authority_rule",
            "name": "role:responder restore on support-agent",
            "changes": {},
        },
    ]
    apply_example(session_factory, *edited)
    with session_factory() as session:
        release = releases.get_release(session, "support-agent", "config-2")
        # Edited content of a released surface is not re-applied: releases own versions.
        assert releases.versions(release)["system-prompt"] == 1
        assert releases.versions(release)["tone"] == 1
    assert apply_example(session_factory, *edited).changed is False


def test_a_refusal_deep_inside_rolls_back_everything_even_if_the_caller_commits(
    session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = rows(session_factory)

    def refuse(session: Session, body: Any, actor: Any) -> int:
        # By now the system, its release and the rules have been written in this transaction.
        assert session.scalar(select(System.name)) == "support-agent"
        raise InvalidInput(
            "severity matrix is invalid",
            errors=[{"field": "cells.moderate.irreversible.severity", "message": "is refused"}],
        )

    monkeypatch.setattr(matrix, "set_matrix", refuse)
    with session_factory() as session, session.begin(), pytest.raises(ConfigError) as caught:
        apply(session, example(), actor=ADMIN)
        # A careless caller commits anyway: the savepoint already undid every write.
    assert str(caught.value) == (
        "examples/blastwall.yaml:252: severity_matrix.cells.moderate.irreversible.severity: "
        "is refused"
    )
    assert rows(session_factory) == before


def test_removing_a_surface_that_has_versions_is_refused_at_its_line(
    session_factory: Factory,
) -> None:
    apply_example(session_factory)
    before = rows(session_factory)
    generation = (
        "      - name: generation\n        kind: config\n        content:\n"
        "          temperature: 0.2\n          max_tokens: 600\n          refund_limit_eur: 200\n"
    )
    with pytest.raises(ConfigError) as caught:
        apply_example(session_factory, (generation, ""))
    assert str(caught.value) == (
        "examples/blastwall.yaml:47: systems[0].surfaces: surface 'generation' of "
        "support-agent has versions and cannot be removed; keep it in the system's surfaces"
    )
    assert rows(session_factory) == before


def test_authority_naming_an_unknown_system_is_refused(session_factory: Factory) -> None:
    with pytest.raises(ConfigError) as caught:
        apply_example(
            session_factory,
            (
                "levers: [kill, restore]\n      systems: [support-agent]",
                "levers: [kill, restore]\n      systems: [suport-agent]",
            ),
        )
    assert str(caught.value) == (
        "examples/blastwall.yaml:207: authority.rules[0].systems[0]: 'suport-agent' is neither "
        "declared under systems nor known to Blastwall: fix the name, declare the system, "
        "or use '*'"
    )
    assert rows(session_factory)["systems"] == []


def test_a_surface_without_content_beside_seeded_ones_is_refused(
    session_factory: Factory,
) -> None:
    with pytest.raises(ConfigError) as caught:
        apply_example(
            session_factory,
            ("    surfaces:\n", "    surfaces:\n      - name: tone\n        kind: prompt\n"),
        )
    assert str(caught.value) == (
        "examples/blastwall.yaml:48: systems[0].surfaces[0]: surface 'tone' is in no release "
        "yet and has no content, but apply must create a release for generation, help-centre, "
        "router-model, system-prompt: give it 'content:' too, or remove 'content:' from the "
        "others and create the release through the API"
    )


def test_systems_and_sections_not_in_the_file_are_left_alone(session_factory: Factory) -> None:
    apply_example(session_factory)
    with unit_of_work(session_factory) as session:
        spec = RegistrySystemSpec(
            name="fraud-scorer", owner="risk team", risk_tier="critical", environments=["prod"]
        )
        registry.upsert_system(session, spec, ADMIN)
    data = example().model_dump(mode="json")
    del data["authority"], data["severity_matrix"]
    with unit_of_work(session_factory) as session:
        plan = apply(session, parse(data), actor=ADMIN)
    unmanaged = [s for s in steps(plan) if s[0] == PlanAction.unmanaged]
    assert unmanaged == [
        ("unmanaged", "system", "fraud-scorer"),
        ("unmanaged", "authority", "authority"),
        ("unmanaged", "severity_matrix", "severity_matrix"),
    ]
    assert plan.changed is False
    with session_factory() as session:
        assert registry.get_by_name(session, "fraud-scorer").owner == "risk team"
        assert len(authority.configured(session)) == 8
        assert matrix.current_matrix(session).version == 1


def test_only_admins_apply(session: Session) -> None:
    with pytest.raises(Forbidden, match="cora has role commander; this needs admin or higher"):
        apply(session, example(), actor=COMMANDER, dry_run=True)
