"""Regulatory reporting over the API: roles, bad input, clocks, regimes, report flow."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from tests.conftest import make_token
from tests.regulatory.factories import apply_text, open_incident

Factory = sessionmaker[Session]


def _as(client: TestClient, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _problem(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["detail"]


def test_decisions_facts_anchors_and_clocks_respect_roles_and_refuse_bad_input(
    client: TestClient, session_factory: Factory
) -> None:
    apply_text(session_factory)
    incident = open_incident(session_factory)
    url = f"/api/v1/incidents/{incident}"
    rita = _as(client, make_token(session_factory, "rita", Role.responder))
    carla = _as(client, make_token(session_factory, "carla", Role.commander))
    decision = {"regime": "gdpr", "decision": "reportable", "rationale": "emails shown"}

    refused = client.post(f"{url}/reportability", json=decision, headers=rita)
    assert refused.status_code == 403
    made = client.post(f"{url}/reportability", json=decision, headers=carla)
    assert made.status_code == 200, made.text
    (current,) = made.json()["decisions"]
    assert (current["regime"], current["decision"], current["decided_by"]) == (
        "gdpr",
        "reportable",
        "carla",
    )

    unknown = client.post(
        f"{url}/reportability", json={**decision, "regime": "gdrp"}, headers=carla
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {
            "field": "regime",
            "message": "'gdrp' is not a regime Blastwall knows: use one of eu_ai_act, gdpr, "
            "nis2, dora, ca_sb53 (docs/regulatory.md)",
        }
    ]
    blank = client.post(f"{url}/reportability", json={**decision, "rationale": "  "}, headers=carla)
    assert blank.status_code == 422
    naive = client.post(
        f"{url}/anchors", json={"name": "causal_link", "at": "2026-12-01T10:00:00"}, headers=rita
    )
    assert naive.status_code == 422
    fact = client.post(f"{url}/facts", json={"name": "death", "value": True}, headers=rita)
    assert fact.json()["facts"] == {"death": True}
    anchor = client.post(
        f"{url}/anchors", json={"name": "causal_link", "at": "2026-12-01T10:00:00Z"}, headers=rita
    )
    assert anchor.status_code == 200, anchor.text
    assert [(a["name"], a["at"], a["set_by"]) for a in anchor.json()["anchors"]] == [
        ("awareness", "2026-12-01T09:30:00Z", "root"),
        ("causal_link", "2026-12-01T10:00:00Z", "rita"),
    ]
    assert _problem(client.get("/api/v1/incidents/999/clocks")) == (
        404,
        "incident 999 does not exist; `blastwall incident list` lists them",
    )

    clocks = client.get(f"{url}/clocks").json()["items"]
    ai_act = next(c for c in clocks if c["regime"] == "eu_ai_act")
    assert (ai_act["variant"], ai_act["window"], ai_act["due_at"], ai_act["anchor"]) == (
        "death",
        "10 days",
        "2026-12-11T09:30:00Z",
        {"name": "awareness", "at": "2026-12-01T09:30:00Z"},
    )
    assert ai_act["reason"].startswith(
        "causal link recorded at 2026-12-01T10:00:00+00:00: report immediately. Art. 73(2)"
    )
    everything = client.get("/api/v1/clocks").json()
    assert everything["next_cursor"] is None
    assert [(c["incident_id"], c["regime"], c["stage"]) for c in everything["items"]] == [
        (c["incident_id"], c["regime"], c["stage"]) for c in clocks
    ]


def test_regimes_and_the_report_flow_over_the_api(
    client: TestClient, session_factory: Factory
) -> None:
    apply_text(session_factory)
    carla = _as(client, make_token(session_factory, "carla", Role.commander))
    put = client.put(
        "/api/v1/systems/later-bot/regimes",
        json={"regimes": [{"name": "gdpr", "contact": "dpo@example.com"}, {"name": "gdpr"}]},
    )
    assert _problem(put) == (
        422,
        "regime 'gdpr' is listed twice (also at 0): keep one entry per regime",
    )
    assert (
        client.put(
            "/api/v1/systems/later-bot/regimes", json={"regimes": []}, headers=carla
        ).status_code
        == 403
    )
    put = client.put(
        "/api/v1/systems/later-bot/regimes",
        json={"regimes": [{"name": "gdpr", "contact": "dpo@example.com"}]},
    )
    assert put.status_code == 200, put.text
    assert put.json() == [
        {
            "name": "gdpr",
            "effective": "2018-05-25",
            "authority": "supervisory authority",
            "role": None,
            "contact": "dpo@example.com",
            "registration_id": "",
        }
    ]
    assert client.get("/api/v1/systems/later-bot/regimes").json() == put.json()

    incident = open_incident(session_factory, system="later-bot")
    conflict = client.post(f"/api/v1/incidents/{incident}/reports", json={"regime": "nis2"})
    assert _problem(conflict) == (
        409,
        f"incident {incident}'s system later-bot does not fall under nis2: add it to the "
        "system's regimes in blastwall.yaml (docs/regulatory.md) and apply",
    )
    drafted = client.post(f"/api/v1/incidents/{incident}/reports", json={"regime": "gdpr"})
    assert drafted.status_code == 201, drafted.text
    report = drafted.json()
    assert (report["stage"], report["version"], report["format"], report["submitted_at"]) == (
        "notification",
        1,
        "md",
        None,
    )
    assert "- **Contact of the data-protection officer**: dpo@example.com\n" in report["body"]
    assert client.post(f"/api/v1/reports/{report['id']}/submit").status_code == 200
    listed = client.get(f"/api/v1/incidents/{incident}/reports").json()["items"]
    assert [(r["id"], r["superseded"], r["recipient"]) for r in listed] == [
        (report["id"], False, "supervisory authority")
    ]
    gdpr = client.get(f"/api/v1/incidents/{incident}/clocks").json()["items"][0]
    assert (gdpr["status"], gdpr["report_id"]) == ("met", report["id"])
    assert client.get("/api/v1/reports/999").status_code == 404
