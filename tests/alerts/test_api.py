"""Alerts in over HTTP: Alertmanager v4 and generic alerts open, join, repeat and resolve."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from tests.alerts.factories import RULE, SYSTEM, am_alert, am_payload, generic, setup
from tests.conftest import make_token

Factory = sessionmaker[Session]
AM = "/api/v1/alerts/alertmanager"


@pytest.fixture
def sender(app_client: TestClient, session_factory: Factory) -> TestClient:
    """A client holding a token of role alerts (named am, as the docs create it)."""
    app_client.headers["Authorization"] = f"Bearer {make_token(session_factory, 'am', Role.alerts)}"
    return app_client


def signals(client: TestClient, admin: str, incident_id: int) -> list[dict[str, Any]]:
    answer = client.get(
        f"/api/v1/incidents/{incident_id}/signals", headers={"Authorization": f"Bearer {admin}"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def incident(client: TestClient, admin: str, incident_id: int) -> dict[str, Any]:
    answer = client.get(
        f"/api/v1/incidents/{incident_id}", headers={"Authorization": f"Bearer {admin}"}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_two_alerts_for_one_system_open_one_incident_with_two_signals(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE)
    answer = sender.post(
        AM, json=am_payload(am_alert("fp-a", instance="a"), am_alert("fp-b", instance="b"))
    )
    assert answer.status_code == 200, answer.text
    assert [
        (a["fingerprint"], a["incident_id"], a["outcome"]) for a in answer.json()["alerts"]
    ] == [
        ("fp-a", 1, "opened"),
        ("fp-b", 1, "joined"),
    ]
    found = signals(sender, admin_token, 1)
    assert [(s["source"], s["key"], s["title"], s["status"], s["repeats"]) for s in found] == [
        ("alertmanager", "fp-a", "errors on a", "firing", 0),
        ("alertmanager", "fp-b", "errors on b", "firing", 0),
    ]
    assert found[0]["actor"] == "am"
    assert found[0]["evidence"]["labels"] == {
        "alertname": "HighErrorRate",
        "service": "refunds",
        "instance": "a",
    }
    opened = incident(sender, admin_token, 1)
    assert (opened["system"], opened["harm"], opened["severity"], opened["title"]) == (
        SYSTEM,
        "minor",
        3,
        "errors on a",
    )
    assert opened["started_at"] == "2026-05-01T09:30:00Z"
    assert [(e["kind"], e["actor"]) for e in opened["timeline"]] == [
        ("opened", "am"),
        ("alert", "am"),
        ("alert", "am"),
    ]
    assert opened["timeline"][1]["message"] == "Alert errors on a firing (alertmanager)"


def test_the_same_fingerprint_again_counts_a_repeat_not_a_signal(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE)
    sender.post(AM, json=am_payload(am_alert("fp-a")))
    answer = sender.post(AM, json=am_payload(am_alert("fp-a")))
    assert answer.json()["alerts"][0] | {"detail": ""} == {
        "fingerprint": "fp-a",
        "status": "firing",
        "system": SYSTEM,
        "incident_id": 1,
        "outcome": "repeat",
        "detail": "",
    }
    [signal] = signals(sender, admin_token, 1)
    assert (signal["repeats"], signal["last_repeat_at"] is not None) == (1, True)
    assert [e["kind"] for e in incident(sender, admin_token, 1)["timeline"]] == ["opened", "alert"]


def test_each_alert_is_audited_with_the_sending_tokens_name(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory, RULE)
    sender.post(AM, json=am_payload(am_alert("fp-a")))
    sender.post(AM, json=am_payload(am_alert("fp-a", status="resolved"), status="resolved"))
    with session_factory() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("alert.%")).order_by(AuditEntry.seq)
        ).all()
        assert [(e.actor, e.role, e.action, e.target, e.incident_id) for e in entries] == [
            ("am", "alerts", "alert.firing", "alertmanager/fp-a", 1),
            ("am", "alerts", "alert.resolved", "alertmanager/fp-a", 1),
        ]
        assert entries[0].after == {"system": SYSTEM, "outcome": "opened", "rule": "refunds"}


def test_a_resolved_alert_is_recorded_and_leaves_the_incident_open_without_resolve(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE)
    sender.post(AM, json=am_payload(am_alert("fp-a")))
    answer = sender.post(AM, json=am_payload(am_alert("fp-a", status="resolved")))
    assert answer.json()["alerts"][0]["outcome"] == "resolved"
    assert answer.json()["alerts"][0]["detail"] == "its rule does not resolve incidents"
    [signal] = signals(sender, admin_token, 1)
    assert signal["status"] == "resolved"
    found = incident(sender, admin_token, 1)
    assert found["status"] == "detected"
    assert found["timeline"][-1]["message"] == "Alert errors on a resolved (alertmanager)"
    assert found["timeline"][-1]["data"] == {
        "signal_id": 1,
        "source": "alertmanager",
        "key": "fp-a",
        "status": "resolved",
        "audit_seq": 6,  # root's and am's tokens, the rules, the incident, the firing alert
    }


def test_a_rule_with_resolve_closes_the_incident_once_no_signal_fires(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE | {"resolve": True})
    sender.post(AM, json=am_payload(am_alert("fp-a", instance="a"), am_alert("fp-b", instance="b")))
    first = sender.post(AM, json=am_payload(am_alert("fp-a", status="resolved", instance="a")))
    assert (first.json()["alerts"][0]["outcome"], first.json()["alerts"][0]["detail"]) == (
        "resolved",
        "still firing: errors on b",
    )
    assert incident(sender, admin_token, 1)["status"] == "detected"
    second = sender.post(AM, json=am_payload(am_alert("fp-b", status="resolved", instance="b")))
    assert second.json()["alerts"][0]["outcome"] == "closed"
    closed = incident(sender, admin_token, 1)
    assert (closed["status"], closed["resolved_at"] is not None) == ("resolved", True)
    # A later firing alert opens a new incident: the resolved one takes no new signals.
    again = sender.post(AM, json=am_payload(am_alert("fp-a", instance="a")))
    assert (again.json()["alerts"][0]["incident_id"], again.json()["alerts"][0]["outcome"]) == (
        2,
        "opened",
    )


def test_a_severe_incident_is_not_closed_by_an_alert_before_containment(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE | {"harm": "moderate", "resolve": True}, irreversible=True)
    sender.post(AM, json=am_payload(am_alert("fp-a")))
    answer = sender.post(AM, json=am_payload(am_alert("fp-a", status="resolved")))
    refusal = (
        "incident 1 is severity 1: contain or mitigate it before resolving (or lower its harm "
        "if it was a false alarm); allowed next from detected: triaged, contained, mitigated"
    )
    assert (answer.json()["alerts"][0]["outcome"], answer.json()["alerts"][0]["detail"]) == (
        "resolved",
        refusal,
    )
    found = incident(sender, admin_token, 1)
    assert (found["status"], found["severity"]) == ("detected", 1)
    assert found["timeline"][-1]["message"] == f"Not resolved automatically: {refusal}"


def test_a_resolved_alert_nobody_saw_firing_changes_nothing(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory, RULE)
    answer = sender.post(AM, json=am_payload(am_alert("fp-z", status="resolved")))
    assert answer.json()["alerts"][0] | {"fingerprint": ""} == {
        "fingerprint": "",
        "status": "resolved",
        "system": SYSTEM,
        "incident_id": None,
        "outcome": "no_incident",
        "detail": "no open incident has this alert",
    }


def test_regex_matchers_and_rule_order_pick_the_system_and_severity(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    critical = {"match_re": {"severity": "crit.*"}, "system": SYSTEM, "severity": 1}
    setup(session_factory, critical, RULE)
    answer = sender.post(AM, json=am_payload(am_alert("fp-a", severity="critical")))
    assert answer.json()["alerts"][0]["outcome"] == "opened"
    # Severity 1 on a reversible system: the least harm the default matrix puts there.
    opened = incident(sender, admin_token, 1)
    assert (opened["harm"], opened["severity"]) == ("severe", 1)
    assert signals(sender, admin_token, 1)[0]["evidence"]["rule"] == "alert_rules[0]"


def test_generic_alert_with_a_system_needs_no_rule_and_deduplicates_per_source(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory)
    body = generic(system=SYSTEM, harm="major", classes=["integrity"])
    first = sender.post("/api/v1/alerts", json=body)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "fingerprint": "p99",
        "status": "firing",
        "system": SYSTEM,
        "incident_id": 1,
        "outcome": "opened",
        "detail": "opened a new incident",
    }
    assert sender.post("/api/v1/alerts", json=body).json()["outcome"] == "repeat"
    other = sender.post("/api/v1/alerts", json=body | {"source": "datadog"}).json()
    assert other["outcome"] == "joined"
    found = signals(sender, admin_token, 1)
    assert [(s["source"], s["key"], s["repeats"]) for s in found] == [
        ("alert", "grafana/p99", 1),
        ("alert", "datadog/p99", 0),
    ]
    opened = incident(sender, admin_token, 1)
    assert (opened["harm"], opened["classes"], opened["summary"]) == (
        "major",
        ["integrity"],
        "p99 7.2 s for 15 minutes",
    )


def problem(answer: Any) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()
    return body


def test_a_payload_of_another_version_is_refused_with_what_to_do(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory, RULE)
    answer = sender.post(AM, json=am_payload(am_alert("fp-a"), version="3"))
    message = (
        'Blastwall reads Alertmanager webhook payload version "4" (every Alertmanager since '
        '0.16 sends it); got "3": upgrade Alertmanager, or send the alert to POST '
        "/api/v1/alerts in the generic format (docs/alerts.md)"
    )
    assert answer.status_code == 422
    assert problem(answer) == {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": f"version: {message}",
        "errors": [{"field": "version", "message": message}],
    }


def test_missing_fields_are_named_in_the_problem(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory, RULE)
    alert = am_alert("fp-a")
    del alert["fingerprint"], alert["startsAt"]
    payload = am_payload(alert)
    del payload["groupKey"]
    answer = sender.post(AM, json=payload)
    assert answer.status_code == 422
    assert problem(answer)["errors"] == [
        {"field": "groupKey", "message": "Field required"},
        {"field": "alerts.0.startsAt", "message": "Field required"},
        {"field": "alerts.0.fingerprint", "message": "Field required"},
    ]


def test_an_alert_no_rule_matches_is_refused_and_nothing_is_written(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE)
    payload = am_payload(am_alert("fp-a"), am_alert("fp-b", service="search"), commonLabels={})
    payload["alerts"][0]["labels"]["service"] = "refunds"
    answer = sender.post(AM, json=payload)
    assert answer.status_code == 422
    assert problem(answer) == {
        "type": "about:blank",
        "title": "Invalid input",
        "status": 422,
        "detail": (
            "alerts[1] (fingerprint fp-b): none of the 1 alert rule(s) matches its labels "
            "(alertname='HighErrorRate', service='search'): add a rule to blastwall.yaml and "
            "apply it, e.g. alert_rules: [{match: {alertname: HighErrorRate}, system: SYSTEM, "
            "severity: 2}] (docs/alerts.md)"
        ),
    }
    listed = sender.get("/api/v1/incidents", headers={"Authorization": f"Bearer {admin_token}"})
    assert listed.json()["items"] == []


def test_a_rule_naming_an_unregistered_system_is_refused(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory, RULE | {"system": "ghost"})
    answer = sender.post(AM, json=am_payload(am_alert("fp-a")))
    assert (answer.status_code, problem(answer)["detail"]) == (
        422,
        "alerts[0] (fingerprint fp-a): its rule refunds names system 'ghost', which is not "
        "registered: declare it under systems: in blastwall.yaml (or fix the rule's system)",
    )


def test_generic_alert_refuses_harm_and_severity_together(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory)
    answer = sender.post("/api/v1/alerts", json=generic(system=SYSTEM, harm="major", severity=1))
    assert answer.status_code == 422
    assert problem(answer)["errors"] == [
        {"field": "body", "message": "give harm or severity, not both: severity picks a harm"}
    ]


def test_the_alerts_role_can_send_alerts_and_nothing_else(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory, RULE)
    refused = [
        ("GET", "/api/v1/incidents"),
        ("GET", "/api/v1/systems"),
        ("POST", f"/api/v1/systems/{SYSTEM}/kill"),
        ("POST", f"/api/v1/systems/{SYSTEM}/levers"),
        ("POST", "/api/v1/incidents"),
        ("GET", "/api/v1/audit"),
    ]
    for method, path in refused:
        answer = sender.request(method, path, json={"reason": "x"} if method == "POST" else None)
        assert (method, path, answer.status_code) == (method, path, 403), answer.text
    answer = sender.get("/api/v1/incidents")
    assert problem(answer)["detail"] == "am has role alerts; this needs viewer or higher"
    assert sender.post(AM, json=am_payload(am_alert("fp-a"))).status_code == 200


def test_a_viewer_cannot_send_alerts(app_client: TestClient, session_factory: Factory) -> None:
    setup(session_factory, RULE)
    token = make_token(session_factory, "vera", Role.viewer)
    answer = app_client.post(
        AM, json=am_payload(am_alert("fp-a")), headers={"Authorization": f"Bearer {token}"}
    )
    assert (answer.status_code, problem(answer)["detail"]) == (
        403,
        "vera has role viewer; sending alerts needs role alerts (`blastwall token create NAME "
        "--role alerts`) or responder or higher",
    )


def test_a_generic_alert_without_system_or_rule_says_both_ways_out(
    sender: TestClient, session_factory: Factory
) -> None:
    setup(session_factory)
    answer = sender.post("/api/v1/alerts", json=generic())
    assert (answer.status_code, problem(answer)["detail"]) == (
        422,
        "the alert (fingerprint p99): none of the 0 alert rule(s) matches its labels "
        "(team='payments'): add a rule to blastwall.yaml and apply it, e.g. alert_rules: "
        "[{match: {service: NAME}, system: SYSTEM, severity: 2}] (docs/alerts.md); "
        "or send `system` in the alert",
    )


def test_a_blank_summary_falls_back_to_the_alertname(
    sender: TestClient, session_factory: Factory, admin_token: str
) -> None:
    setup(session_factory, RULE)
    alert = am_alert("fp-a")
    alert["annotations"] = {"summary": "   ", "description": "  5xx above 5%  "}
    assert sender.post(AM, json=am_payload(alert)).status_code == 200
    opened = incident(sender, admin_token, 1)
    assert (opened["title"], opened["summary"]) == ("HighErrorRate", "5xx above 5%")
