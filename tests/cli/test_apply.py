"""`apply` checks the file locally, shows the plan, then applies it once."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Invoke, invoke, lines

CONFIG = """\
version: 1
systems:
  - name: support-bot
    owner: alice
    risk_tier: high
    environments: [prod]
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("blastwall.yaml").write_text(CONFIG)
    return Path("blastwall.yaml")


def test_dry_run_shows_the_plan_and_changes_nothing(
    cli: Invoke, api: httpx.Client, config: Path
) -> None:
    result = cli("apply", "-f", str(config), "--dry-run")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "create system support-bot",
        "    owner = 'alice'",
        "    risk_tier = 'high'",
        "    environments = ['prod']",
        "    stale_policy = 'keep_last'",
        "    hold_severity = 1",
        "Dry run: 1 to create, 0 to update, 0 to delete, 0 unchanged, 2 unmanaged. "
        "Nothing was changed.",
    ]
    assert api.get("/systems").json() == {"items": [], "next_cursor": None}


def test_apply_then_apply_again_is_a_no_op(cli: Invoke, api: httpx.Client, config: Path) -> None:
    first = cli("apply", "-f", str(config))
    assert lines(first.stdout)[-1] == (
        "Applied blastwall.yaml: 1 to create, 0 to update, 0 to delete, 0 unchanged, 2 unmanaged."
    )
    assert [s["name"] for s in api.get("/systems").json()["items"]] == ["support-bot"]
    again = cli("apply", str(config))
    assert lines(again.stdout) == ["Nothing to apply: Blastwall already matches blastwall.yaml."]
    as_json = json.loads(cli("apply", "-f", str(config), "--json").stdout)
    assert (as_json["applied"], as_json["summary"]) == (
        False,
        "0 to create, 0 to update, 0 to delete, 1 unchanged, 2 unmanaged",
    )


def test_file_problems_are_listed_with_their_lines_before_anything_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(CONFIG.replace("high", "extreme") + "    colour: red\n")
    # No server and no token: the file is refused before either is needed.
    result = invoke("apply", "-f", "bad.yaml")
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "Error: bad.yaml has 2 problems; fix and run again:",
        "bad.yaml:5: systems[0].risk_tier: 'extreme' is not one of low, medium, high, critical",
        "bad.yaml:7: systems[0].colour: is not a known key: remove it or use one of name, "
        "description, owner, risk_tier, environments, fallback, stale_policy, stale_after_s, "
        "retention_days, hold_severity, actions, surfaces, monitors, review, canary_target, "
        "canaries, regimes",
    ]


def test_apply_needs_a_file() -> None:
    missing = invoke("apply")
    assert (missing.exit_code, missing.stderr) == (
        2,
        "Error: missing the file to apply: blastwall apply -f blastwall.yaml\n",
    )
    nowhere = invoke("apply", "-f", "nowhere.yaml")
    assert (nowhere.exit_code, nowhere.stderr) == (
        2,
        "Error: Invalid value for '--file' / '-f': file 'nowhere.yaml' does not exist. "
        "(see `blastwall apply --help`)\n",
    )


def test_apply_needs_an_admin(cli: Invoke, config: Path, responder_token: str) -> None:
    result = cli("apply", "-f", str(config), token=responder_token)
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: rita has role responder; this needs admin or higher\n",
    )


def test_a_realistic_plan_reads_in_80_columns(server_url: str, admin_token: str) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "blastwall.yaml"
    env = {"BLASTWALL_SERVER": server_url, "BLASTWALL_TOKEN": admin_token}
    plan = json.loads(invoke("apply", "-f", str(example), "--dry-run", "--json", env=env).stdout)
    steps = [s for s in plan["plan"] if s["action"] in ("create", "update", "delete")]
    result = invoke("apply", "-f", str(example), "--dry-run", env=env | {"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    printed = result.stdout.splitlines()
    # Every line but the closing sentence fits: nothing wraps, so a word is never split.
    assert max(len(line) for line in printed[:-1]) <= 80
    headers = [f"{s['action']} {s['kind']} {s['name']}" for s in steps]
    assert [line for line in printed if not line.startswith(" ")][:-1] == headers
    # One line per step and per field it sets (two when an update's values do not fit),
    # against 230 lines when the plan was a folded four-column table (the example's on-call
    # section adds about 30, its channels and routes 25, its regulatory regimes 2, its
    # drill monitors and policies about 50).
    assert len(steps) + 1 < len(printed) <= 250
