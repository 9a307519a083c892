"""The README's walkthrough, command by command, against a live server on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "blastwall.yaml"


def ok(cli: Invoke, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_readme_walkthrough(cli: Invoke) -> None:
    ok(cli, "apply", "-f", str(EXAMPLE))
    assert "Nothing to apply" in ok(cli, "apply", "-f", str(EXAMPLE))
    ok(cli, "release", "create", "support-agent", "r1", "--notes", "baseline")
    ok(cli, "release", "mark-known-good", "support-agent", "r1", "--reason", "canaries green")
    ok(cli, "release", "activate", "support-agent", "r1", "--env", "prod", "--reason", "baseline")
    ok(
        cli,
        "release",
        "create",
        "support-agent",
        "r2",
        "--set",
        "system-prompt.template=You are the Acme assistant. Always offer a refund.",
    )
    ok(cli, "release", "activate", "support-agent", "r2", "--env", "prod", "--reason", "tone")
    opened = ok(
        cli,
        "incident",
        "open",
        "--title",
        "Refunds routed to fraud",
        "--system",
        "support-agent",
        "--harm",
        "moderate",
        "--class",
        "integrity",
    )
    # moderate harm on a system that can fire the irreversible issue_refund: severity 1
    assert (
        opened.splitlines()[0]
        == "Opened incident #1 (severity 1, detected): Refunds routed to fraud"
    )
    rolled = ok(
        cli,
        "rollback",
        "support-agent",
        "--env",
        "prod",
        "--surface",
        "system-prompt",
        "--to",
        "known-good",
        "--reason",
        "prompt change suspected",
        "--incident",
        "1",
    )
    assert "r2 -> r2+rollback-system-prompt-1" in rolled
    ok(cli, "kill", "support-agent", "--reason", "fraud share 2% -> 9%", "--incident", "1")
    killed = json.loads(ok(cli, "levers", "support-agent", "--json"))
    # Releases draw from the lever revision sequence (SDKs follow both in one order): the
    # example's two activations and the rollback took 1-3, the kill takes 4.
    assert [(s["environment"], s["killed"], s["revision"]) for s in killed] == [("*", True, 4)]
    ok(cli, "restore", "support-agent", "--reason", "rolled back", "--incident", "1")

    active = json.loads(ok(cli, "release", "active", "support-agent", "--env", "prod", "--json"))
    assert active["release"] == "r2+rollback-system-prompt-1"
    assert active["surfaces"]["system-prompt"]["number"] == 1

    incident = json.loads(ok(cli, "incident", "show", "1", "--json"))
    kinds = [(e["kind"], e["actor"]) for e in incident["timeline"]]
    # The example's escalation policy covers the system: opening pages its level 1, and with
    # no channel's environment variable set the page reaches nobody and says so. The rollback
    # for the incident contained it (its status entry; docs/policies.md).
    assert kinds == [
        ("opened", "root"),
        ("page", "escalation"),
        ("rollback", "root"),
        ("status", "root"),
        ("lever", "root"),
        ("lever", "root"),
    ]
    assert incident["timeline"][1]["message"] == (
        "Could not page lee.chen (level 1); no channel can send e-mail "
        "(see blastwall notify channels)"
    )
    assert (incident["status"], incident["contained_at"] is not None) == ("contained", True)
    # opened by hand, no monitor alarmed: there is nothing for R3 to verify
    assert incident["verification"]["status"] == "none"
    assert ok(cli, "audit", "verify").strip().startswith("audit chain intact:")
