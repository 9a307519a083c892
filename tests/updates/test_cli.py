"""The communications commands and routes against a live server: post an update, see the
clock, draft and export a notice, read and verify the ledger, and refuse what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from tests.cli.conftest import Invoke, lines
from tests.conftest import make_token


# The store side runs on both databases in test_communications.py and the API contract test;
# this one pins the commands' output and the routes' refusals, once.
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_update_show_notice_and_ledger_from_the_cli(
    cli: Invoke, api: httpx.Client, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    incident = api.post("/incidents", json={"title": "overpaying", "harm": "major"}).json()
    number = str(incident["id"])

    posted = cli("incident", "update", number, "--message", "Refunds paused.")
    assert posted.exit_code == 0, posted.output
    shown = lines(posted.stdout)
    assert shown[:2] == [f"Posted an update to incident #{number}", "Refunds paused."]
    assert shown[2].startswith("next update due: ")
    show = cli("incident", "show", number)
    assert [line.split(":")[0] for line in lines(show.stdout) if "next update" in line] == [
        "next update"
    ]
    assert "due " in next(line for line in lines(show.stdout) if "next update" in line)

    wrong = cli("incident", "update", number, "--status-page-template", "nope")
    assert wrong.exit_code == 1
    assert (
        "no updates template named 'nope'; choose one of: identified, investigating, "
        "monitoring, resolved" in " ".join(wrong.output.split())
    )

    file = tmp_path / "users.txt"
    exported = cli("incident", "notice", number, "--export-recipients", str(file))
    assert exported.exit_code == 0, exported.output
    assert lines(exported.stdout)[0] == (
        "Notice not required: severity 2 is not in the notice rule (1)"
    )
    assert file.read_text() == ""
    ledger = json.loads(cli("incident", "ledger", number, "--json").stdout)
    assert [(e["kind"], e["channel"], e["recipient"]) for e in ledger] == [
        ("notice", "export", "0 affected user(s)")
    ]
    verified = cli("ledger", "verify")
    assert (verified.exit_code, lines(verified.stdout)) == (
        0,
        ["1 ledger entries checked: every hash matches its text"],
    )

    responder = make_token(session_factory, "rita", Role.responder)
    as_responder = {"Authorization": f"Bearer {responder}"}
    base = f"/incidents/{number}"
    assert api.post(f"{base}/notice/export", json={}, headers=as_responder).status_code == 403
    assert api.post(f"{base}/updates", json={"text": "x"}).status_code == 422
    assert api.post(f"{base}/updates", json={}).json()["detail"] == (
        "an update needs a message or a status-page template; pass --message TEXT and/or "
        "--status-page-template investigating|identified|monitoring|resolved"
    )
    assert api.get("/incidents/999/ledger").status_code == 404
    cadence = api.get(f"{base}/cadence").json()
    assert (cadence["interval_s"], cadence["overdue"]) == (3600, False)
