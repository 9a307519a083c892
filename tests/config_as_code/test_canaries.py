"""Canaries in blastwall.yaml: canary_target and canaries planned, versioned, applied, checked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries import runs
from blastwall.canaries import service as canaries
from blastwall.canaries.models import CanaryRun
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.plan import Plan
from blastwall.db.session import unit_of_work
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.registry import releases
from tests.config_as_code.factories import ADMIN, EXAMPLE, example, example_text, snapshot

Factory = sessionmaker[Session]

REFUND_CHECK = "check: {kind: label, value: refund}"
GATE_OFF = "release_gate: false"
GENERAL_PATTERN = 'pattern: \'"category": "general"\''


def apply_example(factory: Factory, *edits: tuple[str, str]) -> Plan:
    with unit_of_work(factory) as session:
        return apply(session, example(*edits), actor=ADMIN)


def canary_steps(plan: Plan) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (i.action.value, i.kind.value, i.name, dict(i.changes))
        for i in plan.items
        if i.kind.value in ("canary_target", "canary_set")
    ]


def problems(*edits: tuple[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        example(*edits)
    return [str(issue) for issue in caught.value.issues]


def test_the_example_declares_a_python_target_and_a_routing_set() -> None:
    system = example().systems[0]
    assert system.canary_target is not None
    assert system.canary_target.model_dump(mode="json") == {
        "kind": "python",
        "callable": "blastwall.demo.canary_target:answer",
        "url": None,
        "method": "POST",
        "body": None,
        "output_field": "output",
        "label_field": "label",
        "timeout_s": 10.0,
        "environment": "prod",
        "release_gate": False,
    }
    assert system.canaries is not None
    [routing] = system.canaries
    assert (routing.name, routing.interval_s) == ("routing", 300)
    assert [(case.name, case.check.kind) for case in routing.cases] == [
        ("refund", "label"),
        ("fraud", "json_schema"),
        ("locked-out", "contains"),
        ("general", "regex"),
    ]


def test_first_apply_creates_target_and_set_and_the_example_canaries_pass(
    session_factory: Factory,
) -> None:
    plan = apply_example(session_factory)
    [target, routing] = canary_steps(plan)
    assert target[:3] == ("create", "canary_target", "support-agent")
    assert target[3]["release_gate"] == (None, False)
    assert routing[:3] == ("create", "canary_set", "support-agent/routing")
    assert routing[3]["version"] == (None, 1)
    assert routing[3]["interval_s"] == (None, 300)
    assert sorted(k for k in routing[3] if k.startswith("cases.")) == [
        "cases.fraud",
        "cases.general",
        "cases.locked-out",
        "cases.refund",
    ]
    [run_id] = runs.run_now(
        session_factory, "support-agent", set_name="routing", release="initial", actor=ADMIN
    )
    with session_factory() as session:
        stored = canaries.get_target(session, "support-agent")
        assert (stored.callable, stored.release_gate, stored.updated_by) == (
            "blastwall.demo.canary_target:answer",
            False,
            "root",
        )
        run = session.get(CanaryRun, run_id)
        assert run is not None
        assert (run.set_version, run.status, run.passed, run.failed) == (1, "passed", 4, 0)


def test_second_apply_leaves_target_and_set_unchanged(session_factory: Factory) -> None:
    apply_example(session_factory)
    again = apply_example(session_factory)
    assert canary_steps(again) == [
        ("unchanged", "canary_target", "support-agent", {}),
        ("unchanged", "canary_set", "support-agent/routing", {}),
    ]
    assert again.changed is False


def test_a_changed_set_is_a_new_version_and_the_old_one_is_kept(
    session_factory: Factory,
) -> None:
    apply_example(session_factory)
    edit = (REFUND_CHECK, "check: {kind: contains, value: refund-queue}")
    plan = apply_example(session_factory, edit)
    assert canary_steps(plan) == [
        ("unchanged", "canary_target", "support-agent", {}),
        (
            "update",
            "canary_set",
            "support-agent/routing",
            {
                "version": (1, 2),
                "cases.refund": (
                    {
                        "name": "refund",
                        "prompt": "The jacket arrived torn, please refund the 45 EUR.",
                        "check": {"kind": "label", "value": "refund"},
                    },
                    {
                        "name": "refund",
                        "prompt": "The jacket arrived torn, please refund the 45 EUR.",
                        "check": {
                            "kind": "contains",
                            "value": "refund-queue",
                            "ignore_case": False,
                        },
                    },
                ),
            },
        ),
    ]
    assert canary_steps(apply_example(session_factory, edit))[1][0] == "unchanged"
    with session_factory() as session:
        versions = canaries.list_versions(session, "support-agent", "routing").items
        assert [v.version for v in versions] == [2, 1]
        assert versions[0].cases[0]["check"]["kind"] == "contains"


def test_turning_the_gate_on_in_the_file_refuses_a_release_whose_canaries_fail(
    session_factory: Factory,
) -> None:
    apply_example(session_factory)
    plan = apply_example(session_factory, (GATE_OFF, "release_gate: true"))
    assert canary_steps(plan)[0] == (
        "update",
        "canary_target",
        "support-agent",
        {"release_gate": (False, True)},
    )
    with unit_of_work(session_factory) as session:
        releases.create_release(
            session, "support-agent", name="r2-broken", surfaces={}, actor=ADMIN
        )
    runs.run_now(session_factory, "support-agent", set_name=None, release="r2-broken", actor=ADMIN)
    with session_factory() as session, pytest.raises(Conflict, match="routing v1 failed refund"):
        releases.activate(session, "support-agent", "r2-broken", environment="prod", actor=ADMIN)


def test_left_out_target_and_sets_are_unmanaged(session_factory: Factory) -> None:
    apply_example(session_factory)
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[text.index("    # Canaries (docs/canaries.md)") : text.index("\nauthority:")]
    plan = apply_example(session_factory, (block, ""))
    assert canary_steps(plan) == [
        ("unmanaged", "canary_target", "support-agent", {}),
        ("unmanaged", "canary_set", "support-agent/*", {}),
    ]
    renamed = apply_example(session_factory, ("- name: routing", "- name: routing-v2"))
    assert [step[:3] for step in canary_steps(renamed)] == [
        ("unchanged", "canary_target", "support-agent"),
        ("create", "canary_set", "support-agent/routing-v2"),
        ("unmanaged", "canary_set", "support-agent/routing"),
    ]


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            (REFUND_CHECK, "check: {kind: lable, value: refund}"),
            "examples/blastwall.yaml:184: systems[0].canaries[0].cases[0].check.kind: 'lable' "
            "is not one of contains, regex, label, exact, json_schema",
        ),
        (
            (REFUND_CHECK, "check: {value: refund}"),
            "examples/blastwall.yaml:184: systems[0].canaries[0].cases[0].check.kind: is "
            "required: add 'kind:', one of contains, regex, label, exact, json_schema",
        ),
        (
            (GENERAL_PATTERN, "pattern: '(general'"),
            "examples/blastwall.yaml:200: systems[0].canaries[0].cases[3].check.pattern: "
            "'(general' is not a valid regular expression (missing ), unterminated subpattern "
            "at position 0); fix the pattern (Python re syntax)",
        ),
        (
            ("{enum: [fraud]}", "{oneOf: [fraud]}"),
            "examples/blastwall.yaml:189: systems[0].canaries[0].cases[1].check.schema: "
            "schema.properties.category.oneOf[0]: 'fraud' is not of type 'object', 'boolean'; "
            "this is not valid JSON Schema (draft 2020-12), fix the schema",
        ),
        (
            (REFUND_CHECK, "check: {kind: label, value: refund, strip: true}"),
            "examples/blastwall.yaml:184: systems[0].canaries[0].cases[0].check.strip: is not "
            "a known key: remove it or use one of kind, value",
        ),
        (
            ("- name: general\n", "- name: refund\n"),
            "examples/blastwall.yaml:198: systems[0].canaries[0].cases[3].name: 'refund' is "
            "used twice; give each case its own name",
        ),
        (
            ("interval_s: 300", "interval_s: '300'"),
            "examples/blastwall.yaml:180: systems[0].canaries[0].interval_s: expected a whole "
            "number, got the text '300'",
        ),
        (
            (GATE_OFF, "release_gate: 'no'"),
            "examples/blastwall.yaml:176: systems[0].canary_target.release_gate: expected true "
            "or false, got the text 'no'",
        ),
        (
            (
                "callable: blastwall.demo.canary_target:answer",
                "callable: blastwall.demo.canary_target",
            ),
            "examples/blastwall.yaml:170: systems[0].canary_target.callable: "
            "'blastwall.demo.canary_target' is not 'module.path:function' (e.g. "
            "blastwall.demo.canary_target:answer)",
        ),
        (
            ("kind: python\n", "kind: http\n"),
            "examples/blastwall.yaml:168: systems[0].canary_target.url: required for an http "
            "target, e.g. http://host/canary",
        ),
        (
            ("environment: prod\n      timeout_s", "environment: qa\n      timeout_s"),
            "examples/blastwall.yaml:171: systems[0].canary_target.environment: 'qa' is not one "
            "of this system's environments (staging, prod): use one of them, or leave it out",
        ),
    ],
)
def test_bad_canary_keys_name_file_line_path_and_fix(edit: tuple[str, str], problem: str) -> None:
    assert problems(edit) == [problem]


def test_a_set_declared_twice_is_refused_at_the_second() -> None:
    text = example_text()
    start = text.index("      - name: routing\n")
    block = text[start : text.index("\nauthority:")]
    assert problems((block, f"{block}\n{block}")) == [
        "examples/blastwall.yaml:202: systems[0].canaries[1].name: canary set 'routing' is "
        "declared twice (also systems[0].canaries[0]): rename or remove one"
    ]


def test_a_refused_canary_set_rolls_back_the_whole_apply(
    session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as session:
        before = snapshot(session)

    def refuse(session: Session, system: str, name: str, body: object, actor: object) -> None:
        # By now the system, its monitors and its canary target are written in this transaction.
        assert canaries.get_target(session, system).callable is not None
        raise InvalidInput(f"canary set {name!r} is refused")

    monkeypatch.setattr(canaries, "put_set", refuse)
    with pytest.raises(ConfigError) as caught:
        apply_example(session_factory)
    assert str(caught.value) == (
        "examples/blastwall.yaml:178: systems[0].canaries[0]: canary set 'routing' is refused"
    )
    with session_factory() as session:
        assert snapshot(session) == before
