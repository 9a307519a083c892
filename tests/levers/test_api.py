"""Lever routes: changes, the SDK feed, audit, authority, and problem+json for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.db.session import unit_of_work
from blastwall.incidents.models import Incident
from tests.conftest import ONE_DATABASE, make_token
from tests.levers.factories import committed_system, make_incident


def bearer(factory: sessionmaker[Session], name: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(factory, name, role)}"}


def change(client: TestClient, system: str = "support-bot", **body: Any) -> Any:
    body.setdefault("reason", "refunds routed to fraud")
    return client.post(f"/api/v1/systems/{system}/levers", json=body)


def test_change_returns_the_new_state(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    response = change(client, environment="prod", set={"safe_mode": True, "filters": ["pii"]})
    assert response.status_code == 200
    body = response.json()
    assert body["updated_at"]
    del body["updated_at"]
    assert body == {
        "system": "support-bot",
        "environment": "prod",
        "killed": False,
        "human_fallback": False,
        "safe_mode": True,
        "reroute_model": None,
        "filters": ["pii"],
        "filter_terms": [],
        "filter_patterns": [],
        "filter_stage": "both",
        "disabled_tools": [],
        "retrieval_sources": None,
        "revision": 1,
        "updated_by": "root",
        "stale_policy": "keep_last",
        "stale_after_s": None,
        "changed": True,
        "audit_seq": 2,  # 1 is the token.create of the test's admin token
    }
    again = change(client, environment="prod", set={"safe_mode": True})
    assert (again.json()["changed"], again.json()["revision"]) == (False, 1)


def test_kill_restore_and_listing(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    killed = client.post("/api/v1/systems/support-bot/kill", json={"reason": "unsafe"})
    assert (killed.json()["killed"], killed.json()["environment"]) == (True, "*")
    restored = client.post(
        "/api/v1/systems/support-bot/restore", json={"reason": "fixed", "environment": "*"}
    )
    assert (restored.json()["killed"], restored.json()["revision"]) == (False, 2)
    listed = client.get("/api/v1/systems/support-bot/levers").json()["items"]
    assert [(s["environment"], s["revision"], s["updated_by"]) for s in listed] == [
        ("*", 2, "root")
    ]


def test_feed_returns_states_after_since_and_the_current_revision(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory, "support-bot")
    committed_system(session_factory, "refund-classifier")
    client.post("/api/v1/systems/support-bot/kill", json={"reason": "x"})
    client.post("/api/v1/systems/refund-classifier/kill", json={"reason": "x"})
    viewer = bearer(session_factory, "sdk", Role.viewer)
    feed = client.get("/api/v1/levers?since=1", headers=viewer).json()
    assert feed["revision"] == 2
    assert [(s["system"], s["revision"]) for s in feed["states"]] == [("refund-classifier", 2)]
    only = client.get("/api/v1/levers?system=support-bot", headers=viewer).json()
    assert [(s["system"], s["revision"]) for s in only["states"]] == [("support-bot", 1)]
    assert client.get("/api/v1/levers?since=2", headers=viewer).json() == {
        "revision": 2,
        "states": [],
        "releases": [],
        "model_kills": [],
    }


def test_feed_rejects_a_negative_since_and_unknown_system(client: TestClient) -> None:
    bad = client.get("/api/v1/levers?since=-1")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "since"
    missing = client.get("/api/v1/levers?system=nope")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("no system named 'nope'")


def test_responder_kills_but_needs_authority_for_safe_mode(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    responder = bearer(session_factory, "alice", Role.responder)
    killed = client.post(
        "/api/v1/systems/support-bot/kill", json={"reason": "2am page"}, headers=responder
    )
    assert killed.status_code == 200
    refused = client.post(
        "/api/v1/systems/support-bot/levers",
        json={"reason": "x", "set": {"safe_mode": True}},
        headers=responder,
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "may not pull 'safe_mode' on 'support-bot'" in refused.json()["detail"]
    viewer = bearer(session_factory, "val", Role.viewer)
    assert client.post(
        "/api/v1/systems/support-bot/kill", json={"reason": "x"}, headers=viewer
    ).json()["detail"] == ("val has role viewer; this needs responder or higher")


@ONE_DATABASE
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"set": {"killed": True}, "reason": ""}, "reason", "at least 1 character"),
        ({"set": {"killed": True}, "reason": "   "}, "reason", "is required: say why"),
        ({"set": {"killed": True}}, "reason", "Field required"),
        ({"set": {"filters": ["nsfw"]}, "reason": "x"}, "set.filters", "'nsfw' is not a known"),
        ({"set": {"reroute_model": ""}, "reason": "x"}, "set.reroute_model", "a model name"),
        ({"set": {"killed": True}, "reason": "x", "incident_id": 0}, "incident_id", "greater"),
        ({"set": {"killed": True}, "reason": "x", "extra": 1}, "extra", "Extra inputs"),
    ],
)
def test_bad_change_bodies_name_the_field(
    client: TestClient, session_factory: sessionmaker[Session], body: Any, field: str, message: str
) -> None:
    committed_system(session_factory)
    response = client.post("/api/v1/systems/support-bot/levers", json=body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert message in error["message"]


def test_service_errors_carry_the_field(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    empty = change(client, set={})
    assert (empty.status_code, empty.json()["field"]) == (422, "set")
    env = change(client, environment="prd", set={"killed": True})
    assert (env.status_code, env.json()["field"]) == (422, "environment")
    incident = change(client, set={"killed": True}, incident_id=99)
    assert (incident.status_code, incident.json()["field"]) == (404, "incident_id")
    unknown = change(client, system="nope", set={"killed": True})
    assert unknown.status_code == 404


def test_incident_change_lands_in_the_timeline(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    with unit_of_work(session_factory) as session:
        incident_id = make_incident(session).id
    response = client.post(
        "/api/v1/systems/support-bot/kill", json={"reason": "leak", "incident_id": incident_id}
    )
    assert response.status_code == 200
    with session_factory() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        lever, status = incident.timeline
        assert (lever.kind, lever.message) == (
            "lever",
            "support-bot (all environments): killed off -> on. Why: leak",
        )
        # The kill contains the incident (incidents/containment.py).
        assert (status.kind, incident.status) == ("status", "contained")
        assert status.message.startswith(
            "detected -> contained: contained by lever.kill on support-bot/*"
        )


def test_audit_routes_list_and_verify(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    client.post("/api/v1/systems/support-bot/kill", json={"reason": "one"})
    client.post("/api/v1/systems/support-bot/restore", json={"reason": "two"})
    entries = client.get("/api/v1/audit?after_seq=2").json()["items"]
    assert [(e["seq"], e["action"], e["reason"], e["actor"]) for e in entries] == [
        (3, "lever.restore", "two", "root")
    ]
    assert entries[0]["before"]["killed"] is True
    assert entries[0]["scheme"] == "sha256"
    assert client.get("/api/v1/audit/verify").json() == {
        "ok": True,
        "entries": 3,
        "first_broken_seq": None,
        "problem": None,
        "counter": 3,
        "keyed_from_seq": None,
        "since_head": None,
    }
    assert client.get("/api/v1/audit?limit=0").status_code == 422


def test_audit_head_and_verify_since_head(client: TestClient) -> None:
    head = client.get("/api/v1/audit/head").json()
    newest = client.get("/api/v1/audit").json()["items"][-1]
    assert head == {
        "seq": 1,
        "hash": newest["hash"],
        "head": f"1:{newest['hash']}",
        "counter": 1,
    }
    kept = client.get("/api/v1/audit/verify", params={"since_head": head["head"]}).json()
    assert (kept["ok"], kept["since_head"]) == (True, head["head"])
    other = client.get("/api/v1/audit/verify", params={"since_head": "1:" + "ab" * 32}).json()
    assert (other["ok"], other["first_broken_seq"]) == (False, 1)
    assert other["problem"] == (
        f"entry 1 has hash {newest['hash'][:12]}..., but the kept head says abababababab...: "
        "the log was rewritten up to entry 1"
    )
    malformed = client.get("/api/v1/audit/verify", params={"since_head": "latest"})
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"
    assert malformed.json()["detail"] == (
        "since_head must be SEQ:HASH as printed by `blastwall audit head`, e.g. "
        f"17:{'3f' * 32}: a sequence number, a colon and 64 hex digits (got 'latest')"
    )


def test_authority_route_shows_the_defaults(client: TestClient) -> None:
    assert client.get("/api/v1/authority").json()["items"] == [
        {"subject": "role:admin", "lever": "*", "system": "*"},
        {"subject": "role:commander", "lever": "*", "system": "*"},
        {"subject": "role:responder", "lever": "kill", "system": "*"},
        {"subject": "role:responder", "lever": "restore", "system": "*"},
    ]


def test_undeclared_tool_or_source_is_a_422_naming_the_declared_ones(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    tool = change(client, set={"disabled_tools": ["not_a_tool"]})
    assert tool.status_code == 422
    assert (tool.json()["field"], tool.json()["detail"]) == (
        "set.disabled_tools",
        "support-bot declares no tool named not_a_tool; its tools are: refund, send_email. "
        "Use one of them, or declare it in actions with `blastwall apply`",
    )
    source = change(client, set={"retrieval_sources": ["wiki"]})
    assert source.status_code == 422
    assert source.json()["field"] == "set.retrieval_sources"
    assert source.json()["detail"].startswith(
        "support-bot declares no retrieval source named wiki; its retrieval sources are: "
        "kb-public. "
    )


def test_filter_terms_and_patterns_are_stored_sorted_and_streamed_in_the_state(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    committed_system(session_factory)
    response = change(
        client,
        set={
            "filter_terms": [" chargeback trick ", "free money", "free money"],
            "filter_patterns": [r"ORD-\d{6}", r"refund\s+code"],
            "filter_stage": "output",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["filter_terms"], body["filter_patterns"], body["filter_stage"]) == (
        ["chargeback trick", "free money"],
        [r"ORD-\d{6}", r"refund\s+code"],
        "output",
    )
    feed = client.get("/api/v1/levers", params={"since": 0}).json()
    assert [(s["filter_terms"], s["filter_stage"]) for s in feed["states"]] == [
        (["chargeback trick", "free money"], "output")
    ]
    restored = client.post("/api/v1/systems/support-bot/restore", json={"reason": "over"})
    assert (restored.json()["filter_terms"], restored.json()["filter_patterns"]) == ([], [])


@ONE_DATABASE
@pytest.mark.parametrize(
    ("lever_set", "field", "detail"),
    [
        (
            {"filter_patterns": ["(a+)+"]},
            "set.filter_patterns",
            "item 0: '(a+)+' repeats a repeat (a nested quantifier can take "
            "exponential time): write a flat pattern such as 'ORD-\\d{6}' or 'refund\\s+code'",
        ),
        (
            {"filter_patterns": ["ok", "["]},
            "set.filter_patterns",
            "item 1: '[' is not a valid regular expression (unterminated "
            "character set at position 0); fix the pattern",
        ),
        (
            {"filter_patterns": [r"(\w)\1"]},
            "set.filter_patterns",
            "item 0: '(\\\\w)\\\\1' uses a backreference, which the lever's safe "
            "subset refuses: write a flat pattern such as 'ORD-\\d{6}' or 'refund\\s+code'",
        ),
        (
            {"filter_patterns": ["a{5000}"]},
            "set.filter_patterns",
            "item 0: 'a{5000}' repeats more than 1000 times: use a smaller bound",
        ),
        (
            {"filter_terms": ["ok", "  "]},
            "set.filter_terms",
            "item 1 is empty: give each term by name, e.g. 'chargeback trick'",
        ),
        (
            {"filter_terms": [f"t{i}" for i in range(201)]},
            "set.filter_terms",
            "List should have at most 200 items after validation, not 201",
        ),
        (
            {"filter_stage": "middle"},
            "set.filter_stage",
            "Input should be 'input', 'output' or 'both'",
        ),
    ],
)
def test_unsafe_or_oversized_filter_rules_are_a_422_saying_how_to_fix_them(
    client: TestClient,
    session_factory: sessionmaker[Session],
    lever_set: dict[str, Any],
    field: str,
    detail: str,
) -> None:
    committed_system(session_factory)
    response = change(client, set=lever_set)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["field"], e["message"]) for e in errors] == [(field, detail)]
