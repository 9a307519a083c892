"""The policies: section of blastwall.yaml: line-numbered errors, dry-run plan, apply."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from blastwall.config_as_code import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.policies import service
from tests.policies.factories import ADMIN

HEAD = """version: 1
systems:
  - name: support-agent
    owner: alice
    risk_tier: high
    environments: [staging, prod]
    surfaces:
      - {name: prompt, kind: prompt}
    monitors:
      - {name: refusals, signal: refusal_rate}
"""

POLICY = """policies:
  - name: kill-on-refusals
    system: support-agent
    mode: enforce
    when:
      alarm: {monitor: refusals}
    do:
      - {environment: prod, set: {killed: true}}
      - {environment: prod, rollback: prompt}
    cooldown: 10m
    max_per_hour: 2
"""


def _errors(session: Session, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        apply.apply(session, load_text(HEAD + text), actor=ADMIN, dry_run=True)
    return [str(issue) for issue in caught.value.issues]


def _load_errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(HEAD + text)
    return [str(issue) for issue in caught.value.issues]


def test_dry_run_plans_the_policy_and_apply_stores_it_once(session: Session) -> None:
    document = load_text(HEAD + POLICY)
    planned = apply.apply(session, document, actor=ADMIN, dry_run=True)
    steps = [(i.kind.value, i.action.value, i.name) for i in planned.items if i.kind == "policy"]
    assert steps == [("policy", "create", "kill-on-refusals")]
    assert service.load(session) == []
    apply.apply(session, document, actor=ADMIN)
    [stored] = service.load(session)
    assert stored.body() == {
        "name": "kill-on-refusals",
        "system": "support-agent",
        "mode": "enforce",
        "when": {"alarm": {"monitor": "refusals"}},
        "do": [
            {"environment": "prod", "set": {"killed": True}},
            {"environment": "prod", "rollback": "prompt"},
        ],
        "cooldown": 600,
        "max_per_hour": 2,
    }
    again = apply.apply(session, load_text(HEAD + POLICY), actor=ADMIN)
    assert [i.action.value for i in again.items if i.kind == "policy"] == ["unchanged"]
    removed = apply.apply(session, load_text(HEAD + "policies: []\n"), actor=ADMIN)
    assert [(i.action.value, i.name) for i in removed.items if i.kind == "policy"] == [
        ("delete", "kill-on-refusals")
    ]
    assert service.load(session) == []


def test_names_unknown_to_the_system_are_refused_with_their_lines(session: Session) -> None:
    text = (
        POLICY.replace("system: support-agent", "system: support-agnt")
        + """  - name: other
    system: support-agent
    when: {alarm: {monitor: refusal}}
    do:
      - {environment: production, set: {safe_mode: true}}
      - {environment: prod, rollback: promt}
"""
    )
    assert _errors(session, text) == [
        "blastwall.yaml:13: policies[0].system: unknown system 'support-agnt': declare it "
        "under systems (known: support-agent)",
        "blastwall.yaml:24: policies[1].when.alarm.monitor: support-agent has no monitor "
        "'refusal' (its monitors: refusals)",
        "blastwall.yaml:26: policies[1].do[0].environment: 'production' is not an environment "
        "of support-agent (prod, staging; or '*')",
        "blastwall.yaml:27: policies[1].do[1].rollback: support-agent has no surface 'promt': "
        "write 'release' for the whole release or one of its surfaces (prompt)",
    ]


def test_a_bad_mode_lever_or_trigger_is_refused_at_its_line() -> None:
    text = (
        POLICY.replace("mode: enforce", "mode: enforcing")
        .replace("killed: true", "kiled: true")
        .replace("alarm: {monitor: refusals}", "{}")
    )
    errors = _load_errors(text)
    assert len(errors) == 3
    assert errors[0].startswith("blastwall.yaml:14: policies[0].mode: 'enforcing' is not one of")
    assert errors[1].startswith("blastwall.yaml:15: policies[0].when: ")
    assert "give exactly one trigger" in errors[1]
    assert errors[2].startswith("blastwall.yaml:18: policies[0].do[0].set.kiled: ")


def test_a_policy_sent_as_json_sets_only_the_levers_it_names(session: Session) -> None:
    """The CLI sends the document as JSON: a dumped default must not become a lever to set."""
    data = load_text(HEAD + POLICY).model_dump(mode="json")
    assert data["policies"][0]["do"][0] == {
        "environment": "prod",
        "set": {"killed": True},
        "rollback": None,
    }
    apply.apply_data(session, data, actor=ADMIN)
    assert service.load(session)[0].do[0].body() == {"environment": "prod", "set": {"killed": True}}
