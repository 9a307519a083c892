"""`blastwall drill ...` and /drills against a live server: roles, bad input, tabletop, report."""

from __future__ import annotations

import json

import httpx
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from tests.cli.conftest import Invoke, lines, make_system
from tests.conftest import make_token


def test_drill_routes_refuse_bad_input_and_roles_and_one_drill_runs_per_system(
    api: httpx.Client, server_url: str, session_factory: sessionmaker[Session]
) -> None:
    make_system(api)
    viewer = {"Authorization": f"Bearer {make_token(session_factory, 'vic', Role.viewer)}"}
    start = {"scenario": "fraud-drift", "system": "support-bot"}
    denied = httpx.post(f"{server_url}/api/v1/drills", json=start, headers=viewer)
    assert denied.status_code == 403
    bad = api.post("/drills", json={"scenario": "fraud", "system": "support-bot"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "scenario")
    assert api.post("/drills", json=start | {"timeout_s": 5}).status_code == 422
    missing = api.post("/drills", json=start | {"system": "nobody"})
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no system named 'nobody'; `blastwall systems` lists the systems",
    )
    first = api.post("/drills", json=start).json()
    again = api.post("/drills", json=start)
    assert again.status_code == 409
    assert again.json()["detail"].startswith(
        f"drill {first['id']} (fraud-drift) is still running on support-bot; end it with "
        f"`blastwall drill end {first['id']}`"
    )
    faults = api.get("/drills/faults", params={"system": "support-bot"}).json()
    assert faults == {
        "system": "support-bot",
        "environment": "prod",
        "runs": [first["id"]],
        "faults": {"fraud_share": 0.09},
    }
    ended = api.post(f"/drills/{first['id']}/end", json={"reason": "practice over"}).json()
    assert (ended["status"], ended["end_reason"]) == ("ended", "practice over")
    assert api.get("/drills/faults", params={"system": "support-bot"}).json()["faults"] == {}


def test_a_tabletop_drill_walks_the_runbook_and_its_report_times_each_step(
    cli: Invoke, api: httpx.Client
) -> None:
    make_system(api)
    result = cli(
        "drill", "run", "model-update", "--system", "support-bot", "--tabletop",
        "--step-seconds", "0", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    steps = [s["step"] for s in run["steps"]]
    assert (run["mode"], run["status"], run["fault"]) == ("tabletop", "ended", {})
    assert steps[:3] == ["Recognise the failure", "Acknowledge and take command", "Contain: kill"]
    assert steps[-1] == "Verify"
    assert {s["seconds"] for s in run["steps"]} == {0.0}
    report = lines(cli("drill", "report", str(run["id"])).stdout)
    assert report[0] == f"# Drill {run['id']}: model-update on support-bot (prod)"
    assert "| Tabletop step | Took |" in report
    assert "| Verify | 0.0 s |" in report
    assert report[-1] == "Nothing: every step happened."
    listed = lines(cli("drill", "list").stdout)
    assert listed[-1].split() == [
        str(run["id"]), "model-update", "tabletop", "support-bot", "ended", "-", "-", "0", "none",
    ]  # fmt: skip
    bad = cli("drill", "run", "nope")
    assert bad.exit_code == 2
    assert "'nope' is not one of" in bad.output


def test_a_live_drill_waits_for_its_monitor_to_learn_and_a_tabletop_does_not(
    cli: Invoke, api: httpx.Client
) -> None:
    make_system(api)
    monitor = {"name": "fraud-share", "signal": "output_category", "environment": "prod"}
    api.post("/systems/support-bot/monitors", json=monitor).raise_for_status()
    refused = api.post("/drills", json={"scenario": "fraud-drift", "system": "support-bot"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "monitor fraud-share of support-bot is still learning its baseline (the engine has "
        "not looked at this monitor yet); a fault injected now would be learned, never "
        "detected. Start the drill when `blastwall monitor list support-bot` shows "
        "fraud-share monitoring, or rehearse now with --tabletop"
    )
    assert api.get("/drills").json()["items"] == []  # nothing injected, nothing half-made
    result = cli(
        "drill", "run", "fraud-drift", "--system", "support-bot", "--tabletop",
        "--step-seconds", "0", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "ended"
