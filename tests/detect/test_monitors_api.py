"""Monitors through the API: declare, read, change, remove; alarms; clear errors; the engine
thread the server runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from blastwall.config import Settings
from blastwall.detect.engine import Engine
from blastwall.server.app import create_app
from tests.conftest import make_token
from tests.detect.engine_factories import (
    LABELS,
    call,
    classifier_calls,
    push,
    register,
    tick,
)

Factory = sessionmaker[Session]
URL = "/api/v1/systems/refund-bot/monitors"


def fraud(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "fraud-share",
        "description": "share of each routing label",
        "signal": "output_category",
        "params": {"categories": list(LABELS)},
        "environment": "prod",
        "reference": {"observations": 2000},
        "harm": "moderate",
        "classes": ["integrity"],
    }
    return body | overrides


def test_declare_read_change_and_remove_a_monitor(
    client: TestClient, session_factory: Factory
) -> None:
    register(session_factory)
    created = client.post(URL, json=fraud())
    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("name", "signal", "environment", "harm", "classes")} == {
        "name": "fraud-share",
        "signal": "output_category",
        "environment": "prod",
        "harm": "moderate",
        "classes": ["integrity"],
    }
    assert body["system"] == "refund-bot"
    assert body["params"] == {"categories": list(LABELS)}
    assert body["reference"] == {"kind": "release", "observations": 2000}
    assert (body["false_alarm_rate"], body["verify_observations"], body["enabled"]) == (
        1e-5,
        1000,
        True,
    )
    assert body["state"]["phase"] == "learning"
    assert body["state"]["message"] == "the engine has not looked at this monitor yet"

    push(session_factory, classifier_calls(30, 10**9))
    tick(session_factory)
    listed = client.get(URL).json()["items"]
    assert [m["name"] for m in listed] == ["fraud-share"]
    assert {
        k: listed[0]["state"][k] for k in ("phase", "learned", "reference", "observations")
    } == {
        "phase": "learning",
        "learned": 30,
        "reference": 2000,
        "observations": 30,
    }

    changed = client.patch(f"{URL}/fraud-share", json={"enabled": False, "harm": None})
    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["harm"]) == (False, None)
    assert changed.json()["state"]["phase"] == "disabled"
    assert client.get(f"{URL}/fraud-share").json()["enabled"] is False

    assert client.delete(f"{URL}/fraud-share").status_code == 204
    assert client.get(URL).json() == {"items": [], "next_cursor": None}
    with session_factory() as session:
        # The test's own tokens are audited too (token.create); this test pins the monitors'.
        query = select(AuditEntry.action).where(AuditEntry.action.not_like("token.%"))
        actions = session.scalars(query.order_by(AuditEntry.seq)).all()
    assert actions == ["monitor.create", "monitor.update", "monitor.delete"]


def test_every_signal_can_be_declared_with_its_params(
    client: TestClient, session_factory: Factory
) -> None:
    register(session_factory)
    declared = {
        "categories": ("output_category", {}),
        "refusals": ("refusal_rate", {"patterns": ["cannot help"], "label": None}),
        "lengths": ("response_length", {}),
        "latency": ("latency", {}),
        "confidence": ("confidence", {}),
        "pii-hits": ("filter_hit_rate", {"filter": "pii", "stage": "output"}),
        "urls": ("output_pattern", {"pattern": "https?://"}),
        "amount": ("input_numeric", {"attribute": "amount"}),
        "country": ("input_category", {"attribute": "country"}),
        "asks": ("input_embedding", {}),
        "refunds": ("action_rate", {"action": "issue_refund"}),
        "flags": ("feedback_rate", {}),
    }
    for name, (signal, params) in declared.items():
        response = client.post(URL, json={"name": name, "signal": signal, "params": params})
        assert response.status_code == 201, response.json()
    params = {m["name"]: m["params"] for m in client.get(URL).json()["items"]}
    assert params["refunds"] == {"action": "issue_refund", "statuses": ["fired", "approved"]}
    assert params["flags"] == {"ratings": ["wrong", "harmful"]}
    assert params["refusals"] == {"patterns": ["cannot help"], "label": None}
    assert params["urls"] == {"pattern": "https?://", "ignore_case": True}
    assert params["asks"] == {"bits": 4, "anchors": None, "min_similarity": None}


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        (
            {"signal": "vibes"},
            422,
            "signal",
        ),
        (
            {"params": {"pattern": "("}, "signal": "output_pattern"},
            422,
            "params.pattern: '(' is not a valid regular expression",
        ),
        (
            {"params": {"attribute": "x"}, "signal": "latency"},
            422,
            "params.attribute: is not a parameter of latency (its parameters: none)",
        ),
        (
            {"params": {}, "signal": "action_rate"},
            422,
            "params.action: is required by action_rate",
        ),
        (
            {"params": {"categories": ["only-one"]}},
            422,
            "params.categories: declare at least two categories, or leave it out to learn them",
        ),
        (
            {"reference": {"kind": "pinned", "start": "2025-01-02T00:00:00Z"}},
            422,
            "a pinned reference needs both start and end (RFC 3339 times)",
        ),
        (
            {"reference": {"observations": 5}},
            422,
            "reference.observations",
        ),
        ({"false_alarm_rate": 0.5}, 422, "false_alarm_rate"),
        (
            {"environment": "moon"},
            422,
            "environment: 'moon' is not one of refund-bot's environments (prod, staging)",
        ),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_monitor_declarations_say_what_and_how_to_fix(
    client: TestClient, session_factory: Factory, change: dict[str, Any], status: int, detail: str
) -> None:
    register(session_factory)
    response = client.post(URL, json=fraud(**change))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in str(response.json())


def test_conflicts_missing_things_and_roles_are_refused_clearly(
    client: TestClient, session_factory: Factory
) -> None:
    register(session_factory)
    assert client.post(URL, json=fraud()).status_code == 201
    again = client.post(URL, json=fraud())
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "name: refund-bot already has a monitor named 'fraud-share'; pick another name or "
        "change that one with PATCH"
    )
    nowhere = client.post("/api/v1/systems/nope/monitors", json=fraud())
    assert nowhere.status_code == 404
    missing = client.get(f"{URL}/ghost")
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        "system 'refund-bot' has no monitor named 'ghost'; `blastwall monitor list refund-bot` "
        "shows its monitors"
    )
    empty = client.patch(f"{URL}/fraud-share", json={})
    assert empty.status_code == 422
    assert empty.json()["detail"].startswith("nothing to change: send at least one of")
    null = client.patch(f"{URL}/fraud-share", json={"signal": None})
    assert null.json()["detail"] == "signal cannot be null; leave it out to keep the current value"
    switched = client.patch(f"{URL}/fraud-share", json={"signal": "action_rate"})
    assert switched.status_code == 422
    assert "params.categories: is not a parameter of action_rate" in switched.json()["detail"]

    viewer = make_token(session_factory, "val", Role.viewer)
    headers = {"Authorization": f"Bearer {viewer}"}
    assert client.get(URL, headers=headers).status_code == 200
    refused = client.post(URL, json=fraud(name="other"), headers=headers)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "val has role viewer; this needs commander or higher"


def test_alarms_are_listed_filtered_and_shown(client: TestClient, session_factory: Factory) -> None:
    register(session_factory)
    client.post(URL, json=fraud())
    engine = Engine(settle_s=0)
    push(session_factory, classifier_calls(3000, 3000))
    tick(session_factory, engine)
    push(session_factory, classifier_calls(1500, 3000, first=3000))
    tick(session_factory, engine)
    [alarm] = client.get("/api/v1/alarms").json()["items"]
    assert {k: alarm[k] for k in ("system", "monitor", "signal", "trace_id", "repeats")} == {
        "system": "refund-bot",
        "monitor": "fraud-share",
        "signal": "output_category",
        "trace_id": "trace-3208",
        "repeats": 5,
    }
    assert alarm["change_at"] == "2025-01-01T00:00:03.043000Z"
    assert alarm["current"]["fraud"] == 0.120482
    assert client.get(f"/api/v1/alarms/{alarm['id']}").json() == alarm
    assert client.get("/api/v1/alarms", params={"system": "other"}).json()["items"] == []
    by_incident = client.get("/api/v1/alarms", params={"incident_id": alarm["incident_id"]})
    assert [a["id"] for a in by_incident.json()["items"]] == [alarm["id"]]
    incident = client.get(f"/api/v1/incidents/{alarm['incident_id']}").json()
    # The monitor declared moderate harm: reversible here, so severity 2.
    assert (incident["harm"], incident["severity"], incident["classes"]) == (
        "moderate",
        2,
        ["integrity"],
    )
    assert client.get("/api/v1/alarms/999").status_code == 404
    lonely = client.get("/api/v1/alarms", params={"monitor": "fraud-share"})
    assert lonely.status_code == 422
    assert lonely.json()["detail"] == "monitor: give system too (monitor names are per system)"


def test_the_server_runs_the_engine_in_the_background(
    tmp_path: Path, database_url: str, engine: SqlEngine, session_factory: Factory, admin_token: str
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, engine_interval_s=0.05
    )
    register(session_factory)
    with TestClient(create_app(settings, engine)) as live:
        live.headers["Authorization"] = f"Bearer {admin_token}"
        assert live.post(URL, json=fraud()).status_code == 201
        posted = live.post("/api/v1/events", json=[call(i, label="approve") for i in range(25)])
        assert posted.json()["accepted"] == 25
        deadline = time.monotonic() + 60
        seen = 0
        while seen < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = live.get(f"{URL}/fraud-share").json()["state"]["observations"]
    assert seen == 25
