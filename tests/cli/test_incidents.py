"""`incident open|list|show|update|ack|transition|note|resolve` against a live server."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.cli.conftest import Invoke, invoke, lines, make_system


@pytest.fixture
def system(api: httpx.Client) -> str:
    # No evidence hold at open: its note would wrap the rendered "opened" row (docs/evidence.md).
    return make_system(api, hold_severity=0)["name"]


def _open(cli: Invoke, *extra: str) -> int:
    result = cli("incident", "open", "--title", "Refunds misrouted", "--harm", "moderate", *extra)
    assert result.exit_code == 0, result.output
    return int(lines(result.stdout)[0].split()[2].lstrip("#"))


def test_open_prints_severity_and_what_to_do_first(cli: Invoke, system: str) -> None:
    result = cli(
        "incident",
        "open",
        "--title",
        "Refunds misrouted",
        "--harm",
        "moderate",
        "--system",
        system,
        "--class",
        "integrity",
        "-c",
        "compliance",
        "--failure-mode",
        "drift",
    )
    assert result.exit_code == 0, result.output
    # support-bot can fire an irreversible refund, so moderate harm is severity 1.
    assert lines(result.stdout) == [
        "Opened incident #1 (severity 1, detected): Refunds misrouted",
        "Containment:   kill or human_fallback now; diagnose after",
        "Escalation:    page the incident commander immediately",
        "Communication: internal update every 30 min; notify affected users if harmful output "
        "reached them",
    ]


def test_open_json_carries_every_field_given(cli: Invoke, system: str) -> None:
    result = cli(
        "incident",
        "open",
        "--title",
        "Rude answers",
        "--harm",
        "minor",
        "--system",
        system,
        "--reversibility",
        "reversible",
        "--summary",
        "tone drifted",
        "--started-at",
        "2020-01-01T00:00:00Z",
        "--json",
    )
    item = json.loads(result.stdout)
    picked = ("title", "harm", "system", "reversibility", "summary", "status", "started_at")
    assert {key: item[key] for key in picked} == {
        "title": "Rude answers",
        "harm": "minor",
        "system": "support-bot",
        "reversibility": "reversible",
        "summary": "tone drifted",
        "status": "detected",
        "started_at": "2020-01-01T00:00:00Z",
    }


def test_lifecycle_from_the_terminal_ends_in_a_rendered_timeline(cli: Invoke, system: str) -> None:
    number = _open(cli, "--system", system)
    steps = [
        ("ack", str(number), "--note", "on it"),
        ("transition", str(number), "contained", "--note", "killed"),
        ("note", str(number), "customers emailed"),
        ("update", str(number), "--commander", "alice", "--harm", "major"),
        ("resolve", str(number), "--note", "fixed"),
    ]
    outputs = [lines(cli("incident", *step).stdout) for step in steps]
    assert outputs == [
        ["Acknowledged incident #1 (severity 1, detected): Refunds misrouted"],
        ["Incident #1 (severity 1, contained): Refunds misrouted"],
        ["Noted on incident #1."],
        ["Updated incident #1 (severity 1, contained): Refunds misrouted"],
        ["Resolved incident #1 (severity 1, resolved): Refunds misrouted"],
    ]
    shown = lines(cli("incident", "show", str(number)).stdout)
    assert shown[:4] == [
        "Incident #1: Refunds misrouted",
        "status:              resolved",
        "severity:            1 (matrix v0)",
        "system:              support-bot",
    ]
    assert "commander:           alice" in shown
    timeline = shown[shown.index("Timeline") + 3 :]
    # Each row: date, time, kind, actor, message.
    assert [row.split(None, 4)[2:] for row in timeline] == [
        [
            "opened",
            "root",
            "opened at severity 1 (moderate harm, irreversible: support-bot can fire "
            "issue-refund); containment: kill or human_fallback now; diagnose after",
        ],
        ["acknowledged", "root", "acknowledged by root: on it"],
        ["role", "root", "root is now commander: acknowledged the incident"],
        ["status", "root", "detected -> contained: killed"],
        ["note", "root", "customers emailed"],
        ["update", "root", "harm: moderate -> major"],
        ["role", "root", "alice is now commander (was root)"],
        ["status", "root", "contained -> resolved: fixed"],
    ]


def _close(cli: Invoke, number: int) -> None:
    # Severity 2 must be contained before it can be resolved.
    for step in ("transition", str(number), "contained"), ("resolve", str(number)):
        assert cli("incident", *step).exit_code == 0


def test_list_filters_by_status(cli: Invoke) -> None:
    first = _open(cli)
    _open(cli)
    _close(cli, first)
    table = lines(cli("incident", "list", "--status", "detected").stdout)
    assert table[0].split() == ["ID", "SEV", "STATUS", "SYSTEM", "TITLE", "COMMANDER", "DETECTED"]
    assert [row.split()[:4] for row in table[2:]] == [["2", "2", "detected", "-"]]
    everything = json.loads(cli("incident", "list", "--json").stdout)
    assert sorted(i["id"] for i in everything) == [1, 2]
    assert lines(cli("incident", "list", "--severity", "3").stdout) == ["No incidents match."]


def test_refused_transition_is_one_line_from_the_server(cli: Invoke) -> None:
    number = _open(cli)
    _close(cli, number)
    result = cli("incident", "transition", str(number), "detected")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: incident 1 cannot move from resolved to detected; "
        "allowed next: triaged, postmortem_done\n"
    )


def test_unknown_incident(cli: Invoke) -> None:
    result = cli("incident", "show", "99")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: incident 99 does not exist; `blastwall incident list` shows them\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["open", "--title", "x", "--harm", "huge"],
            "Invalid value for '--harm': 'huge' is not one of 'none', 'minor', 'moderate', "
            "'major', 'severe'. (see `blastwall incident open --help`)",
        ),
        (
            ["open", "--title", "x", "--harm", "minor", "--class", "bad-vibes"],
            "Invalid value for '--class' / '-c': 'bad-vibes' is not one of 'integrity', "
            "'security', 'privacy', 'compliance', 'reputation'. "
            "(see `blastwall incident open --help`)",
        ),
        (
            ["open", "--harm", "minor"],
            "Missing option '--title'. (see `blastwall incident open --help`)",
        ),
        (
            ["open", "--title", "x", "--harm", "minor", "--started-at", "2024-06-01T09:30"],
            "Invalid value for '--started-at': '2024-06-01T09:30' has no time zone: add one, "
            "e.g. 2024-06-01T09:30Z for UTC or 2024-06-01T09:30+02:00 "
            "(see `blastwall incident open --help`)",
        ),
        (
            ["update", "1"],
            "nothing to update: pass --message (an update) or at least one of --title, "
            "--summary, --class, --failure-mode, --harm, --reversibility, --started-at, "
            "--commander",
        ),
        (
            ["show", "abc"],
            "Invalid value for 'incident_id': Input should be a valid integer, unable to parse "
            "string as an integer (see `blastwall incident show --help`)",
        ),
    ],
)
def test_bad_incident_arguments(args: list[str], message: str) -> None:
    result = invoke("incident", *args, env={"BLASTWALL_TOKEN": "bw_x"})
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"


def test_metrics_before_any_clock_stops(cli: Invoke) -> None:
    _open(cli)
    assert lines(cli("incident", "metrics").stdout) == [
        "incidents:                1",
        "mean time to detect:      0s",
        "mean time to acknowledge: -",
        "mean time to contain:     -",
        "mean time to resolve:     -",
    ]
