"""On-call over the API: who is on call now, reads, and overrides (responder+, audited)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from tests.conftest import make_token
from tests.oncall.factories import ONCALL_YAML, apply_text

Factory = sessionmaker[Session]
AT = "2026-03-17T12:00:00Z"  # Tuesday of ana's first week on the primary schedule

ANA = {"name": "ana", "display_name": "Ana Lima", "handle": "@ana"}
BEN = {"name": "ben", "display_name": "Ben Ode", "handle": "@ben"}
CEM = {"name": "cem", "display_name": "Cem Kaya", "handle": "@cem"}


@pytest.fixture
def oncall(session_factory: Factory) -> None:
    apply_text(session_factory, ONCALL_YAML)


def now(client: TestClient, **params: Any) -> Any:
    response = client.get("/api/v1/oncall/now", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("oncall")
def test_now_names_each_level_and_the_next_handoff(client: TestClient) -> None:
    primary_next = {"at": "2026-03-23T08:00:00Z", "person": BEN}
    primary = {"kind": "schedule", "name": "primary", "on_call": ANA, "next": primary_next}
    assert now(client, system="support-bot", at=AT) == {
        "system": "support-bot",
        "severity": 1,
        "at": AT,
        "policy": "support",
        "pagerduty_service": None,
        "repeat": 2,
        "levels": [
            {"level": 1, "delay_minutes": 10, "people": [ANA], "targets": [primary]},
            {
                "level": 2,
                "delay_minutes": 20,
                "people": [CEM, ANA],
                "targets": [
                    {"kind": "person", "name": "cem", "on_call": CEM, "next": None},
                    primary,
                ],
            },
        ],
    }


@pytest.mark.usefixtures("oncall")
def test_the_most_specific_coverage_rule_wins(client: TestClient) -> None:
    assert now(client, system="support-bot", severity=2, at=AT)["policy"] == "support"
    fallback = now(client, system="support-bot", severity=3, at=AT)
    assert (fallback["policy"], fallback["pagerduty_service"], fallback["levels"]) == (
        "everyone-else",
        "pd-ops",
        [],
    )
    assert now(client, system="search-bot", at=AT)["policy"] == "everyone-else"


@pytest.mark.usefixtures("oncall")
@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        (
            {"system": "nope"},
            404,
            "no system named 'nope'; `blastwall systems` lists the systems",
        ),
        ({"system": "support-bot", "at": "yesterday"}, 422, "at"),
        ({"system": "support-bot", "at": "2026-03-17T12:00:00"}, 422, "at"),
        ({"system": "support-bot", "severity": 4}, 422, "severity"),
        (
            {"system": "support-bot", "at": "9999-12-31T23:00:00Z"},
            422,
            "at: 9999-12-31T23:00:00+00:00 is outside the years 1970-2999 on-call schedules "
            "cover: ask about a time in that range",
        ),
        ({}, 422, "system"),
    ],
)
def test_now_refuses_bad_input(
    client: TestClient, params: dict[str, Any], status: int, detail: str
) -> None:
    response = client.get("/api/v1/oncall/now", params=params)
    assert response.status_code == status, response.text
    body = response.json()
    if status == 404 or detail.startswith("at: "):
        assert body["detail"] == detail
    else:
        assert [e["field"] for e in body["errors"]] == [detail]


@pytest.mark.usefixtures("oncall")
def test_reads_list_people_schedules_policies_and_coverage(
    client: TestClient, session_factory: Factory
) -> None:
    people = client.get("/api/v1/oncall/people").json()
    assert [p["name"] for p in people["items"]] == ["ana", "ben", "cem"]
    assert people["next_cursor"] is None
    cem = client.get("/api/v1/oncall/people/cem").json()
    assert (cem["pagerduty_routing_key_env"], cem["email"]) == ("PD_KEY_CEM", None)
    schedule = client.get("/api/v1/oncall/schedules/primary").json()
    assert (schedule["time_zone"], schedule["layers"][0]["people"]) == (
        "Europe/Berlin",
        ["ana", "ben"],
    )
    policies = client.get("/api/v1/oncall/policies").json()["items"]
    assert [(p["name"], p["repeat"]) for p in policies] == [("everyone-else", 0), ("support", 2)]
    assert client.get("/api/v1/oncall/coverage").json()["items"] == [
        {"policy": "support", "systems": ["support-bot"], "severity": [1, 2]},
        {"policy": "everyone-else", "systems": None, "severity": None},
    ]
    first = client.get("/api/v1/oncall/coverage", params={"limit": 1}).json()
    assert first["items"] == [{"policy": "support", "systems": ["support-bot"], "severity": [1, 2]}]
    second = client.get(
        "/api/v1/oncall/coverage", params={"limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert second == {
        "items": [{"policy": "everyone-else", "systems": None, "severity": None}],
        "next_cursor": None,
    }
    viewer = make_token(session_factory, "vic", Role.viewer)
    hidden = client.get("/api/v1/oncall/people/cem", headers={"Authorization": f"Bearer {viewer}"})
    assert hidden.status_code == 403
    missing = client.get("/api/v1/oncall/schedules/secondary")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no schedule named 'secondary'; `blastwall oncall list` shows the schedules",
    )


def override(**changes: Any) -> dict[str, Any]:
    body = {
        "person": "cem",
        "from": "2099-03-17T13:00:00+01:00",
        "to": "2099-03-17T19:00:00+01:00",
        "reason": "ana at the dentist",
    }
    return body | changes


@pytest.mark.usefixtures("oncall")
def test_an_override_is_made_by_a_responder_and_audited(
    client: TestClient, session_factory: Factory
) -> None:
    viewer = make_token(session_factory, "vic", Role.viewer)
    refused = client.post(
        "/api/v1/oncall/schedules/primary/overrides",
        json=override(),
        headers={"Authorization": f"Bearer {viewer}"},
    )
    assert refused.status_code == 403
    responder = make_token(session_factory, "rita", Role.responder)
    made = client.post(
        "/api/v1/oncall/schedules/primary/overrides",
        json=override(),
        headers={"Authorization": f"Bearer {responder}"},
    )
    assert made.status_code == 201, made.text
    created = made.json()
    assert {k: v for k, v in created.items() if k != "created_at"} == {
        "id": 1,
        "schedule": "primary",
        "person": "cem",
        "from": "2099-03-17T12:00:00Z",
        "to": "2099-03-17T18:00:00Z",
        "reason": "ana at the dentist",
        "created_by": "rita",
    }
    level = now(client, system="support-bot", at="2099-03-17T12:30:00Z")["levels"][0]
    assert level["targets"][0]["on_call"] == CEM
    assert level["targets"][0]["next"]["at"] == "2099-03-17T18:00:00Z"
    listed = client.get("/api/v1/oncall/schedules/primary/overrides").json()["items"]
    assert [o["id"] for o in listed] == [1]

    cancel = "/api/v1/oncall/schedules/primary/overrides/1/cancel"
    as_viewer = client.post(
        cancel, json={"reason": "ana is back"}, headers={"Authorization": f"Bearer {viewer}"}
    )
    assert as_viewer.status_code == 403
    cancelled = client.post(
        cancel, json={"reason": "ana is back"}, headers={"Authorization": f"Bearer {responder}"}
    )
    assert cancelled.status_code == 204, cancelled.text
    level = now(client, system="support-bot", at="2099-03-17T12:30:00Z")["levels"][0]
    assert level["targets"][0]["on_call"] == BEN  # week 3809 of the rotation: odd, ben
    again = client.post(cancel, json={"reason": "twice"})
    assert (again.status_code, again.json()["detail"]) == (
        404,
        "no override 1 on schedule 'primary'; `blastwall oncall list` shows the schedules, "
        "GET /api/v1/oncall/schedules/primary/overrides its overrides",
    )
    with session_factory() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.like("oncall.override%"))
            .order_by(AuditEntry.seq)
        ).all()
        assert [(e.action, e.actor, e.target, e.reason) for e in entries] == [
            ("oncall.override", "rita", "schedule/primary", "ana at the dentist"),
            ("oncall.override_cancel", "rita", "schedule/primary", "ana is back"),
        ]


@pytest.mark.usefixtures("oncall")
@pytest.mark.parametrize(
    ("schedule", "changes", "status", "detail"),
    [
        (
            "primary",
            {"person": "zed"},
            422,
            "person: 'zed' is not declared under oncall.people; fix the name or add the person "
            "to blastwall.yaml and apply it",
        ),
        (
            "primary",
            {"to": "2099-03-17T12:00:00+01:00"},
            422,
            "to: 2099-03-17T11:00:00+00:00 is not after from (2099-03-17T12:00:00+00:00): give "
            "an end later than the start",
        ),
        (
            "primary",
            {"from": "2020-01-01T00:00:00Z", "to": "2020-01-02T00:00:00Z"},
            422,
            "to: 2020-01-02T00:00:00+00:00 is in the past, so the override would change "
            "nothing: give a period that has not ended",
        ),
        (
            "nope",
            {},
            404,
            "no schedule named 'nope'; `blastwall oncall list` shows the schedules",
        ),
    ],
)
def test_a_bad_override_is_refused_with_the_fix(
    client: TestClient, schedule: str, changes: dict[str, Any], status: int, detail: str
) -> None:
    response = client.post(
        f"/api/v1/oncall/schedules/{schedule}/overrides", json=override(**changes)
    )
    assert (response.status_code, response.json()["detail"]) == (status, detail)


@pytest.mark.usefixtures("oncall")
def test_an_override_without_an_offset_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/oncall/schedules/primary/overrides",
        json=override(**{"from": "2099-03-17T13:00:00"}),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["from"]
