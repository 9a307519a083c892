"""`incident assign|handover|unassign` against a live server: output, JSON, refusals."""

from __future__ import annotations

import json

from tests.cli.conftest import Invoke, lines


def _open(cli: Invoke) -> str:
    result = cli("incident", "open", "--title", "Refunds misrouted", "--harm", "minor", "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["id"])


def test_assign_handover_and_unassign_print_who_holds_what(cli: Invoke) -> None:
    number = _open(cli)
    steps = [
        ("assign", number, "--role", "responder", "--to", "erin"),
        ("assign", number, "--role", "communications", "--to", "dana"),
        ("handover", number, "--to", "alice", "--reason", "bob goes off shift"),
        ("unassign", number, "--role", "responder", "--person", "erin"),
    ]
    outputs = [lines(cli("incident", *step).stdout) for step in steps]
    assert outputs[0] == [
        f"Incident #{number}: erin is a responder.",
        "commander:           -",
        "communications lead: -",
        "responders:          erin",
    ]
    assert [out[0] for out in outputs[1:]] == [
        f"Incident #{number}: dana is communications lead.",
        f"Incident #{number}: alice is commander.",
        f"Incident #{number}: erin is no longer a responder.",
    ]
    assert outputs[3][1:] == [
        "commander:           alice",
        "communications lead: dana",
        "responders:          -",
    ]
    shown = lines(cli("incident", "show", number).stdout)
    assert "commander:           alice" in shown
    assert "communications lead: dana" in shown


def test_assign_json_is_the_incident_with_its_roles_and_timeline(cli: Invoke) -> None:
    number = _open(cli)
    result = cli(
        "incident",
        "assign",
        number,
        "--role",
        "commander",
        "--to",
        "alice",
        "--reason",
        "on call",
        "--json",
    )
    assert result.exit_code == 0, result.output
    item = json.loads(result.stdout)
    assert (item["commander"], item["communications_lead"], item["responders"]) == (
        "alice",
        None,
        [],
    )
    last = item["timeline"][-1]
    assert (last["kind"], last["message"]) == ("role", "alice is now commander: on call")
    listed = json.loads(cli("incident", "list", "--json").stdout)
    assert [(i["id"], i["commander"]) for i in listed] == [(int(number), "alice")]


def test_handing_over_command_without_right_is_refused(cli: Invoke, responder_token: str) -> None:
    number = _open(cli)
    assert cli("incident", "assign", number, "--role", "commander", "--to", "alice").exit_code == 0
    result = cli("incident", "handover", number, "--to", "rita", token=responder_token)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: rita may not take the commander role from alice on incident {number}: "
        "that needs the current commander, or a token of role commander or admin\n",
    )


def test_handover_takes_only_single_holder_roles(cli: Invoke) -> None:
    result = cli("incident", "handover", "1", "--role", "responder", "--to", "erin")
    assert result.exit_code == 2
    assert "'responder' is not one of 'commander', 'communications'" in result.stderr
