"""Monitors in blastwall.yaml: planned, applied through the monitors service, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.plan import Plan
from blastwall.db.session import unit_of_work
from blastwall.detect.monitors import service
from tests.config_as_code.factories import ADMIN, EXAMPLE, example

Factory = sessionmaker[Session]
FRAUD_REFERENCE = (
    "        environment: prod\n"
    "        reference: {observations: 1000}\n"
    "        classes: [integrity]\n"
    "        harm: moderate\n"
    "      - name: refusals\n"
)
FLAGS = (
    "      - name: customer-flags\n"
    "        description: Feedback flagged wrong or harmful, per call.\n"
    "        signal: feedback_rate\n"
    "        environment: prod\n"
    "        reference: {observations: 10000}\n"
)


def apply_example(factory: Factory, *edits: tuple[str, str]) -> Plan:
    with unit_of_work(factory) as session:
        return apply(session, example(*edits), actor=ADMIN)


def monitor_steps(plan: Plan) -> list[tuple[str, str]]:
    return [(i.action.value, i.name) for i in plan.items if i.kind.value == "monitor"]


def test_the_example_declares_its_monitors_and_a_second_apply_changes_nothing(
    session_factory: Factory,
) -> None:
    apply_example(session_factory)
    with session_factory() as session:
        declared = {m.name: m for m in service.list_(session, "support-agent").items}
        assert sorted(declared) == [
            "canary-failures",
            "compliance-hits",
            "customer-flags",
            "fraud-share",
            "injection-attempts",
            "latency",
            "pii-in-answers",
            "refunds-issued",
            "refusals",
            "reply-length",
            "review-accuracy",
        ]
        fraud = declared["fraud-share"]
        assert fraud.params == {"categories": ["general", "refund", "fraud", "account_access"]}
        assert (fraud.harm, fraud.classes, fraud.environment) == ("moderate", ["integrity"], "prod")
        assert fraud.reference == {"kind": "release", "observations": 1000}
        assert declared["refunds-issued"].params == {
            "action": "issue_refund",
            "statuses": ["fired", "approved"],
        }
    again = apply_example(session_factory)
    assert {action for action, _ in monitor_steps(again)} == {"unchanged"}
    assert again.changed is False


def test_editing_removing_and_unmanaging_monitors(session_factory: Factory) -> None:
    apply_example(session_factory)
    edited = apply_example(
        session_factory,
        (FRAUD_REFERENCE, FRAUD_REFERENCE.replace("1000", "2000")),
        (FLAGS, ""),
    )
    assert ("update", "support-agent/fraud-share") in monitor_steps(edited)
    assert ("delete", "support-agent/customer-flags") in monitor_steps(edited)
    update = next(i for i in edited.items if i.name == "support-agent/fraud-share")
    assert dict(update.changes) == {
        "reference": (
            {"kind": "release", "observations": 1000},
            {"kind": "release", "observations": 2000},
        )
    }
    with session_factory() as session:
        fraud = service.get_by_name(session, "support-agent", "fraud-share")
        assert fraud.config_version == 2  # a new reference: a new baseline
        assert len(service.list_(session, "support-agent").items) == 10

    # Without a monitors key the file leaves the monitors alone.
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[text.index("    # Calibrated monitors") : text.index("\nauthority:")]
    plan = apply_example(session_factory, (block, ""))
    assert monitor_steps(plan) == [("unmanaged", "support-agent/*")]
    with session_factory() as session:
        assert len(service.list_(session, "support-agent").items) == 10


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            (
                "        params: {action: issue_refund}\n",
                "        params: {action: issue_refund, x: 1}\n",
            ),
            "systems[0].monitors[7].params: x: is not a parameter of action_rate (its "
            "parameters: action, statuses)",
        ),
        (
            (
                "      - name: latency\n        signal: latency\n        environment: prod\n",
                "      - name: latency\n        signal: latency\n        environment: moon\n",
            ),
            "systems[0].monitors[6].environment: 'moon' is not one of this system's "
            "environments (staging, prod): use one of them, or leave it out",
        ),
        (
            ("      - name: latency\n", "      - name: refusals\n"),
            "systems[0].monitors[6].name: monitor 'refusals' is declared twice (also "
            "monitors[1]): rename or remove one",
        ),
        (
            ("        signal: response_length\n", "        signal: vibes\n"),
            "systems[0].monitors[2].signal:",
        ),
    ],
)
def test_monitor_mistakes_name_the_key(
    session_factory: Factory, edit: tuple[str, str], problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        apply_example(session_factory, edit)
    assert problem in str(caught.value)
