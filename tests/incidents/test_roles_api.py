"""Roles over the API on both databases: POST/DELETE .../roles, the 403s, no-op repeats, 422s."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from tests.conftest import make_token
from tests.incidents.test_api import BASE, open_incident


def bearer(session_factory: sessionmaker[Session], name: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session_factory, name, role)}"}


def assign(
    client: TestClient, incident_id: int, headers: dict[str, str] | None = None, **body: Any
) -> Any:
    return client.post(f"{BASE}/{incident_id}/roles", json=body, headers=headers)


def test_read_and_list_show_every_role(client: TestClient) -> None:
    incident_id = open_incident(client)["id"]
    assign(client, incident_id, role="commander", to="alice")
    assign(client, incident_id, role="communications", to="dana")
    assign(client, incident_id, role="responder", to="erin")
    answer = assign(client, incident_id, role="responder", to="finn", reason="knows the bot")
    assert answer.status_code == 200, answer.text
    shown = client.get(f"{BASE}/{incident_id}").json()
    listed = client.get(BASE).json()["items"][0]
    for item in (answer.json(), shown, listed):
        picked = {k: item[k] for k in ("commander", "communications_lead", "responders")}
        assert picked == {
            "commander": "alice",
            "communications_lead": "dana",
            "responders": ["erin", "finn"],
        }
    last = shown["timeline"][-1]
    assert (last["kind"], last["actor"], last["message"]) == (
        "role",
        "root",
        "finn is now a responder: knows the bot",
    )
    assert {k: last["data"][k] for k in ("role", "to", "from")} == {
        "role": "responder",
        "to": "finn",
        "from": None,
    }


def test_removing_a_role_over_delete(client: TestClient) -> None:
    incident_id = open_incident(client)["id"]
    assign(client, incident_id, role="responder", to="erin")
    url = f"{BASE}/{incident_id}/roles/responder/erin"
    removed = client.delete(url, params={"reason": "went home"})
    assert (removed.status_code, removed.json()["responders"]) == (200, [])
    assert removed.json()["timeline"][-1]["message"] == "erin is no longer a responder: went home"
    again = client.delete(url)
    assert (again.status_code, again.json()["detail"]) == (
        404,
        f"erin is not a responder on incident {incident_id} (holders now: nobody); "
        "`blastwall incident show ID` lists who holds which role",
    )


def test_responders_fill_vacant_roles_but_hand_over_command_only_with_right(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    bob = bearer(session_factory, "bob", Role.responder)
    otto = bearer(session_factory, "otto", Role.responder)
    cora = bearer(session_factory, "cora", Role.commander)
    viewer = bearer(session_factory, "val", Role.viewer)
    incident_id = open_incident(client)["id"]

    assert assign(client, incident_id, bob, role="commander", to="bob").status_code == 200
    assert assign(client, incident_id, otto, role="responder", to="otto").status_code == 200
    refused = assign(client, incident_id, otto, role="commander", to="otto")
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        f"otto may not take the commander role from bob on incident {incident_id}: that "
        "needs the current commander, or a token of role commander or admin",
    )
    taken = client.delete(f"{BASE}/{incident_id}/roles/commander/bob", headers=otto)
    assert taken.status_code == 403
    watched = assign(client, incident_id, viewer, role="responder", to="val")
    assert (watched.status_code, watched.json()["detail"]) == (
        403,
        "val has role viewer; this needs responder or higher",
    )
    handed = assign(client, incident_id, bob, role="commander", to="alice", reason="shift ends")
    assert handed.json()["commander"] == "alice"
    overruled = assign(client, incident_id, cora, role="commander", to="cora")
    assert overruled.json()["commander"] == "cora"
    messages = [e["message"] for e in overruled.json()["timeline"] if e["kind"] == "role"]
    assert messages == [
        "bob is now commander",
        "otto is now a responder",
        "alice is now commander (was bob): shift ends",
        "cora is now commander (was alice)",
    ]


def test_assigning_the_holder_again_is_a_no_op(client: TestClient) -> None:
    incident_id = open_incident(client)["id"]
    first = assign(client, incident_id, role="commander", to="alice").json()
    again = assign(client, incident_id, role="commander", to="alice")
    assert again.status_code == 200
    assert again.json()["timeline"] == first["timeline"]


def test_bad_role_name_or_body_is_a_422_that_says_what_to_send(client: TestClient) -> None:
    incident_id = open_incident(client)["id"]
    bad_role = assign(client, incident_id, role="scribe", to="alice")
    assert (bad_role.status_code, bad_role.json()["detail"]) == (
        422,
        "role: Input should be 'commander', 'communications' or 'responder'",
    )
    bad_name = assign(client, incident_id, role="responder", to="Alice Smith")
    assert bad_name.status_code == 422
    assert bad_name.json()["detail"].startswith("to: String should match pattern")
    extra = assign(client, incident_id, role="responder", to="alice", when="now")
    assert (extra.status_code, extra.json()["detail"]) == (
        422,
        "when: Extra inputs are not permitted",
    )
    bad_path = client.delete(f"{BASE}/{incident_id}/roles/scribe/alice")
    assert (bad_path.status_code, bad_path.json()["detail"]) == (
        422,
        "role: Input should be 'commander', 'communications' or 'responder'",
    )
    missing = assign(client, 999, role="responder", to="alice")
    assert missing.status_code == 404
