"""The triage section of blastwall.yaml: line-numbered errors, plan, apply, idempotence."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.config_as_code.errors import ConfigError
from blastwall.config_as_code.loader import load_text
from blastwall.config_as_code.plan import compute_plan
from blastwall.triage.models import TriageTree
from tests.triage.factories import FILE, TRIAGE_YAML, apply_text, edited

Factory = sessionmaker[Session]


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_text(text, file=FILE)
    return [str(issue) for issue in caught.value.issues]


def plan_problems(session: Session, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        compute_plan(session, load_text(text, file=FILE))
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("next: size", "next: sise"),
            "triage.yaml:19: triage[0].questions[0].answers[0].next: 'sise' is not a question "
            "of this tree (money, size): fix the id, or add the question",
        ),
        (
            ('"no"\n            outcome: {surface: kb', '"no"\n            next: money\n#'),
            "triage.yaml:34: triage[0].questions[1].answers[1].next: leads back to 'money' "
            "(money -> size -> money), so triage could go round for ever: point it to a later "
            "question or give an outcome",
        ),
        (
            ("next: size", "outcome: {team: payments-ml}"),
            "triage.yaml:22: triage[0].questions[1].id: question 'size' is never asked: no "
            "answer leads to it from the first question 'money'; point an answer's 'next:' to "
            "it, or remove it",
        ),
        (
            ("{lever: kill}", "{lever: reroute}"),
            "triage.yaml:31: triage[0].questions[1].answers[0].outcome.levers[1]: lever "
            "'reroute' needs a value: add e.g. 'value: issue_refund' (reroute: a model, filter: "
            "a filter name, disable_tool: an action, retrieval: sources separated by commas)",
        ),
        (
            ("next: size", "next: size\n            outcome: {team: payments-ml}"),
            "triage.yaml:18: triage[0].questions[0].answers[0]: give exactly one of 'next:' "
            "(the id of the next question) or 'outcome:'",
        ),
    ],
)
def test_a_broken_tree_is_refused_at_its_line(edit: tuple[str, str], expected: str) -> None:
    assert problems(edited(edit)) == [expected]


def test_a_question_declared_twice_is_refused_and_its_next_ids_checked() -> None:
    assert problems(edited(("- id: size", "- id: money"))) == [
        "triage.yaml:19: triage[0].questions[0].answers[0].next: 'size' is not a question of "
        "this tree (money): fix the id, or add the question",
        "triage.yaml:22: triage[0].questions[1].id: question 'money' is declared twice "
        "(also questions[0]): rename or remove one",
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("surface: prompt", "surface: promt"),
            "triage.yaml:27: triage[0].questions[1].answers[0].outcome.surface: 'promt' is not "
            "a surface of refund-bot (kb, prompt): fix the name, or declare the surface",
        ),
        (
            ("{team: payments-ml, levers", "{team: payment, levers"),
            "triage.yaml:21: triage[0].questions[0].answers[1].outcome.team: 'payment' is not "
            "a known team (payments-ml): use a system's owner or an escalation policy's name",
        ),
        (
            ("value: issue_refund}", "value: refund}"),
            "triage.yaml:30: triage[0].questions[1].answers[0].outcome.levers[0].value: "
            "'refund' is not an action of refund-bot (issue_refund): name a declared action",
        ),
        (
            ("- system: refund-bot", "- system: refnud-bot"),
            "triage.yaml:13: triage[0].system: 'refnud-bot' is neither declared under systems "
            "nor known to Blastwall (refund-bot): fix the name, or declare the system",
        ),
    ],
)
def test_unknown_surfaces_teams_tools_and_systems_are_refused_at_their_line(
    session: Session, edit: tuple[str, str], expected: str
) -> None:
    assert plan_problems(session, edited(edit)) == [expected]


def test_apply_stores_the_tree_once_and_a_removed_tree_is_deleted(
    session_factory: Factory,
) -> None:
    first = apply_text(session_factory)
    triage_steps = [i.as_dict() for i in first.items if i.kind.value == "triage_tree"]
    assert triage_steps == [
        {
            "action": "create",
            "kind": "triage_tree",
            "name": "refund-bot",
            "changes": {"questions": [None, 2]},
        }
    ]
    again = apply_text(session_factory)
    assert [i.action.value for i in again.items if i.kind.value == "triage_tree"] == ["unchanged"]
    with session_factory() as session:
        tree = session.scalars(select(TriageTree)).one()
        assert [q["id"] for q in tree.questions] == ["money", "size"]
        assert tree.questions[0]["answers"][1] == {
            "answer": "no",
            "outcome": {"team": "payments-ml", "levers": [{"lever": "human_fallback"}], "note": ""},
        }

    emptied = apply_text(session_factory, TRIAGE_YAML.split("triage:")[0] + "triage: []\n")
    assert [(i.action.value, i.name) for i in emptied.items if i.kind.value == "triage_tree"] == [
        ("delete", "refund-bot")
    ]
    with session_factory() as session:
        assert session.scalars(select(TriageTree)).all() == []
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("triage.%"))
            .order_by(AuditEntry.seq)
        ).all()
        assert actions == ["triage.tree.create", "triage.tree.delete"]
