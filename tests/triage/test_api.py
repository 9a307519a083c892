"""An incident's triage over the API: the tree, answering to an outcome, going back, errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from blastwall.incidents.models import TimelineEntry
from tests.conftest import make_token
from tests.triage.factories import apply_text, open_incident

Factory = sessionmaker[Session]

MONEY = {
    "id": "money",
    "text": "Are refunds going out that should not?",
    "answers": [
        {"answer": "yes", "next": "size"},
        {
            "answer": "no",
            "outcome": {"team": "payments-ml", "levers": [{"lever": "human_fallback"}], "note": ""},
        },
    ],
}
SIZE_TEXT = "Are the refunds larger than the orders?"


@pytest.fixture
def incident(session_factory: Factory) -> int:
    apply_text(session_factory)
    return open_incident(session_factory)


def answer(client: TestClient, incident: int, question: str, given: str) -> Any:
    body = {"question": question, "answer": given}
    return client.post(f"/api/v1/incidents/{incident}/triage/answers", json=body)


def test_a_new_incident_is_asked_the_first_question(client: TestClient, incident: int) -> None:
    response = client.get(f"/api/v1/incidents/{incident}/triage")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["incident_id"] == incident
    assert body["system"] == "refund-bot"
    assert [q["id"] for q in body["questions"]] == ["money", "size"]
    assert body["answers"] == []
    assert body["current"] == MONEY
    assert body["outcome"] is None


def test_answers_lead_to_an_outcome_with_commands_and_land_on_the_timeline(
    client: TestClient, incident: int, session_factory: Factory
) -> None:
    first = answer(client, incident, "money", "YES")
    assert first.status_code == 200, first.text
    assert first.json()["current"]["id"] == "size"
    assert [(a["question"], a["answer"], a["actor"]) for a in first.json()["answers"]] == [
        ("money", "yes", "root")
    ]

    done = answer(client, incident, "size", "yes").json()
    assert done["current"] is None
    assert done["outcome"] == {
        "surface": "prompt",
        "team": "payments-ml",
        "note": "Stop refunds first.",
        "levers": [
            {
                "lever": "disable_tool",
                "value": "issue_refund",
                "command": f"blastwall contain refund-bot --lever disable-tool=issue_refund "
                f'--env prod --incident {incident} --reason "WHY"',
            },
            {
                "lever": "kill",
                "command": f"blastwall kill refund-bot --env prod --incident {incident} "
                '--reason "WHY"',
            },
        ],
    }
    assert client.get(f"/api/v1/incidents/{incident}/triage").json() == done

    with session_factory() as session:
        entries = session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.incident_id == incident, TimelineEntry.kind == "triage")
            .order_by(TimelineEntry.id)
        ).all()
        assert [(e.message, e.actor) for e in entries] == [
            ("Triage: Are refunds going out that should not? → yes", "root"),
            (f"Triage: {SIZE_TEXT} → yes", "root"),
        ]
        seqs = [e.data.pop("audit_seq") for e in entries]
        assert [e.data for e in entries] == [
            {"question": "money", "answer": "yes", "next": "size"},
            {
                "question": "size",
                "answer": "yes",
                "outcome": {
                    "surface": "prompt",
                    "team": "payments-ml",
                    "note": "Stop refunds first.",
                    "levers": [
                        {"lever": "disable_tool", "value": "issue_refund"},
                        {"lever": "kill"},
                    ],
                },
            },
        ]
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.seq.in_(seqs)).order_by(AuditEntry.seq)
        ).all()
        assert [(a.action, a.target, a.reason) for a in audited] == [
            ("incident.triage_answered", f"incident:{incident}", "money = yes"),
            ("incident.triage_answered", f"incident:{incident}", "size = yes"),
        ]


def test_answering_an_earlier_question_goes_back_to_it(client: TestClient, incident: int) -> None:
    answer(client, incident, "money", "yes")
    answer(client, incident, "size", "no")
    back = answer(client, incident, "money", "no").json()
    assert [(a["question"], a["answer"]) for a in back["answers"]] == [("money", "no")]
    assert back["outcome"]["team"] == "payments-ml"
    assert back["outcome"]["levers"] == [
        {
            "lever": "human_fallback",
            "command": f"blastwall contain refund-bot --lever human_fallback --env prod "
            f'--incident {incident} --reason "WHY"',
        }
    ]


def test_a_question_not_asked_now_is_refused_with_the_one_that_is(
    client: TestClient, incident: int
) -> None:
    response = answer(client, incident, "size", "yes")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "'size' is not a question on this incident's triage path: the question asked now is "
        "'money' (Are refunds going out that should not?); you may answer 'money'"
    )


def test_an_unknown_answer_is_refused_with_the_answers_it_takes(
    client: TestClient, incident: int
) -> None:
    response = answer(client, incident, "money", "maybe")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "'maybe' is not an answer to 'money' (Are refunds going out that should not?): "
        "answer one of 'yes', 'no'"
    )


def test_a_viewer_reads_triage_but_may_not_answer(
    app_client: TestClient, incident: int, session_factory: Factory
) -> None:
    viewer = make_token(session_factory, "vic", Role.viewer)
    headers = {"Authorization": f"Bearer {viewer}"}
    url = f"/api/v1/incidents/{incident}/triage"
    assert app_client.get(url, headers=headers).status_code == 200
    body = {"question": "money", "answer": "yes"}
    assert app_client.post(url + "/answers", json=body, headers=headers).status_code == 403


def test_an_incident_without_a_system_or_a_tree_says_how_to_get_one(
    client: TestClient, session_factory: Factory
) -> None:
    apply_text(session_factory, "version: 1\nsystems:\n  - {name: bare, owner: x, "
               "risk_tier: low, environments: [prod]}\n")  # fmt: skip
    bare = open_incident(session_factory, "bare")
    nowhere = open_incident(session_factory, None)
    missing = client.get(f"/api/v1/incidents/{bare}/triage")
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "bare has no triage tree: add one under 'triage:' in blastwall.yaml (docs/triage.md) "
        "and apply it"
    )
    unnamed = client.get(f"/api/v1/incidents/{nowhere}/triage")
    assert unnamed.status_code == 409
    assert unnamed.json()["detail"] == (
        f"incident {nowhere} names no system, so it has no triage tree: open incidents with "
        "their system (`blastwall incident open --system NAME ...`)"
    )
    assert client.get("/api/v1/incidents/999/triage").status_code == 404
