"""`blastwall policy list` and GET /policies against a live server; manual containment."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.cli.conftest import Invoke, lines
from tests.policies.test_config import HEAD, POLICY

OBSERVE = POLICY.replace("mode: enforce", "mode: observe")


def _apply(cli: Invoke, tmp_path: Path, text: str) -> None:
    path = tmp_path / "blastwall.yaml"
    path.write_text(text)
    result = cli("apply", "-f", str(path))
    assert result.exit_code == 0, result.output


def test_policy_list_shows_mode_trigger_actions_and_activity(
    cli: Invoke, api: httpx.Client, tmp_path: Path
) -> None:
    assert lines(cli("policy", "list").stdout) == [
        "No policies yet: add them under policies: in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml` (docs/policies.md)."
    ]
    short = OBSERVE.replace("      - {environment: prod, rollback: prompt}\n", "")
    _apply(cli, tmp_path, HEAD + short)
    table = lines(cli("policy", "list").stdout)
    assert table[0].split() == [
        "NAME",
        "MODE",
        "WHEN",
        "DO",
        "COOLDOWN",
        "CAP/H",
        "LAST",
        "HOUR",
        "LAST",
        "FIRED",
    ]
    row = "kill-on-refusals observe alarm refusals kill support-agent (prod) 600 s 2 0 never"
    assert table[2].split() == row.split()
    _apply(cli, tmp_path, HEAD + OBSERVE)
    listed = json.loads(cli("policy", "list", "--json").stdout)
    assert listed == [
        {
            "name": "kill-on-refusals",
            "system": "support-agent",
            "mode": "observe",
            "when": {"alarm": {"monitor": "refusals"}},
            "do": [
                {"environment": "prod", "set": {"killed": True}},
                {"environment": "prod", "rollback": "prompt"},
            ],
            "cooldown": 600,
            "max_per_hour": 2,
            "when_text": "alarm refusals",
            "do_text": "kill support-agent (prod); roll back prompt of support-agent (prod) "
            "to known-good",
            "activations_last_hour": 0,
            "last_fired": None,
        }
    ]
    assert api.get("/policies").json() == {"items": listed, "next_cursor": None}


def test_a_manual_kill_with_incident_moves_the_incident_to_contained(
    cli: Invoke, api: httpx.Client, tmp_path: Path
) -> None:
    _apply(cli, tmp_path, HEAD)
    opened = api.post(
        "/incidents", json={"title": "refusals", "harm": "major", "system": "support-agent"}
    ).json()
    assert opened["status"] == "detected"
    killed = cli("kill", "support-agent", "-r", "stop it", "--incident", str(opened["id"]))
    assert killed.exit_code == 0, killed.output
    incident = api.get(f"/incidents/{opened['id']}").json()
    assert incident["status"] == "contained"
    assert incident["contained_at"] is not None
    assert [e["kind"] for e in incident["timeline"]][-2:] == ["lever", "status"]
    restored = cli("restore", "support-agent", "-r", "fixed", "--incident", str(opened["id"]))
    assert restored.exit_code == 0, restored.output
    assert api.get(f"/incidents/{opened['id']}").json()["status"] == "contained"
