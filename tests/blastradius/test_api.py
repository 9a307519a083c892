"""The blast radius over HTTP and from the CLI: roles, the users export, bad windows."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.changes.models import AuditEntry
from tests.blastradius.factories import seed
from tests.cli.conftest import Invoke, lines
from tests.conftest import make_token

WINDOW = {"end": "2025-03-01T03:00:00Z"}  # the seeded incident's detection (minute 60)


def _seeded(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session, session.begin():
        return seed(session).id


def test_viewers_read_it_and_responders_export_users_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    incident_id = _seeded(session_factory)
    viewer = {"Authorization": f"Bearer {make_token(session_factory, 'vic', Role.viewer)}"}
    url = f"/api/v1/incidents/{incident_id}/blast-radius"
    body = client.get(url, params=WINDOW, headers=viewer).json()
    assert (body["users"], body["traces"], body["irreversible_actions"]) == (2, 4, 2)
    refused = client.get(url + "/users", params=WINDOW, headers=viewer)
    assert refused.status_code == 403
    csv = client.get(url + "/users", params=WINDOW)
    assert (csv.status_code, csv.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    assert csv.text == "user_id\nu1\nu2\n"
    as_json = client.get(url + "/users", params={**WINDOW, "format": "json"})
    assert as_json.json() == ["u1", "u2"]
    empty = client.get(url + "/users", params={"end": "2025-03-01T02:01:00Z", "format": "json"})
    assert empty.json() == []
    with session_factory() as session:
        exports = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "blastradius.users_exported")
        ).all()
    assert exports == ["root", "root", "root"]


def test_bad_windows_and_unknown_incidents_are_refused_with_how_to_fix(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    incident_id = _seeded(session_factory)
    url = f"/api/v1/incidents/{incident_id}/blast-radius"
    backwards = client.get(url, params={"start": "2025-03-01T04:00:00Z", **WINDOW})
    assert backwards.status_code == 422
    assert "give an end after the start" in backwards.json()["detail"]
    naive = client.get(url, params={"end": "2025-03-01T03:00:00"})
    assert naive.status_code == 422
    missing = client.get("/api/v1/incidents/999/blast-radius/users")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "incident 999 not found; list incidents with `blastwall incident list`",
    )


def test_cli_prints_json_counts_and_writes_the_users_file(
    cli: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    incident_id = _seeded(session_factory)
    users = tmp_path / "users.json"
    args = ["incident", "blast-radius", str(incident_id), "--end", "2025-03-01T03:00:00Z"]
    result = cli(*args, "--json", "--users-out", str(users))
    assert result.exit_code == 0, result.output
    radius = json.loads(result.output)
    assert (radius["users"], radius["traces"], radius["irreversible_actions"]) == (2, 4, 2)
    assert json.loads(users.read_text()) == ["u1", "u2"]
    table = cli(*args)
    shown = lines(table.output)
    assert shown[3:7] == [
        "users:                2",
        "traces:               4",
        "reversible actions:   1",
        "irreversible actions: 2",
    ]
    assert "hold_account" in table.output
    bad = cli("incident", "blast-radius", str(incident_id), "--start", "yesterday")
    assert bad.exit_code == 2
    assert "is not a date-time" in bad.output
