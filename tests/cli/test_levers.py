"""`kill`, `restore`, `contain`, `levers` against a live server."""

from __future__ import annotations

import json

import httpx
import pytest
import typer

from blastwall.cli.errors import UsageProblem
from blastwall.cli.levers import Lever, apply_off, build_set, describe, parse_lever
from tests.cli.conftest import Invoke, invoke, lines, make_system


@pytest.fixture
def system(api: httpx.Client) -> str:
    surfaces = [{"name": "model", "kind": "model"}, {"name": "kb-public", "kind": "retrieval"}]
    return make_system(api, surfaces=surfaces)["name"]


def test_kill_then_restore_reports_each_state(cli: Invoke, system: str) -> None:
    killed = cli("kill", system, "--reason", "refunds routed to fraud")
    assert killed.exit_code == 0, killed.output
    assert lines(killed.stdout) == [
        "Killed support-bot in all environments (revision 1): killed",
        "Undo with: blastwall restore support-bot --reason '...'",
    ]
    restored = cli("restore", system, "-r", "fixed", "--env", "*")
    assert lines(restored.stdout) == [
        "Restored support-bot in all environments (revision 2): normal"
    ]


def test_kill_json_is_the_lever_state(cli: Invoke, system: str) -> None:
    result = cli("kill", system, "--env", "prod", "--reason", "spike", "--json")
    state = json.loads(result.stdout)
    assert {k: state[k] for k in ("system", "environment", "killed", "revision", "changed")} == {
        "system": "support-bot",
        "environment": "prod",
        "killed": True,
        "revision": 1,
        "changed": True,
    }


def test_contain_pulls_several_levers_in_one_revision(cli: Invoke, system: str) -> None:
    result = cli(
        "contain",
        system,
        "--lever",
        "safe_mode",
        "-l",
        "reroute=gpt-4o-mini",
        "-l",
        "filter=pii,secrets",
        "-l",
        "disable-tool=issue-refund",
        "-l",
        "retrieval=kb-public",
        "--reason",
        "prompt injection",
    )
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Levers set on support-bot in all environments (revision 1): safe mode; rerouted to "
        "gpt-4o-mini; filters: pii, secrets; disabled tools: issue-refund; retrieval only "
        "from: kb-public"
    ]


def test_contain_off_removes_one_filter_and_keeps_the_rest(cli: Invoke, system: str) -> None:
    cli("contain", system, "-l", "filter=pii", "-l", "filter=secrets", "-r", "leak")
    result = cli(
        "contain", system, "-l", "filter=pii", "--off", "-l", "reroute", "--off", "-r", "ok"
    )
    assert lines(result.stdout) == [
        "Levers set on support-bot in all environments (revision 2): filters: secrets"
    ]


def test_off_switches_off_only_the_lever_it_follows(cli: Invoke, system: str) -> None:
    cli("contain", system, "-l", "human_fallback", "-r", "review by people")
    result = cli(
        "contain", system, "-l", "human_fallback", "--off", "-l", "safe_mode", "-r", "swap"
    )
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Levers set on support-bot in all environments (revision 2): safe mode"
    ]


def test_off_before_any_lever_is_refused() -> None:
    result = invoke("contain", "support-bot", "--off", "-l", "safe_mode", "-r", "x")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --off switches off the lever just before it: write it after that lever, "
        "e.g. --lever safe_mode --off\n"
    )


def test_a_lever_named_both_on_and_off_is_refused() -> None:
    result = invoke(
        "contain", "support-bot", "-l", "safe_mode", "-l", "safe-mode", "--off", "-r", "x"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: lever 'safe_mode' is named both on and off: name it once, with --off "
        "right after it to switch it off\n"
    )


def test_apply_off_marks_the_lever_each_off_follows() -> None:
    levers = [Lever("kill", None), Lever("filter", "pii"), Lever("filter", "secrets")]
    marked = apply_off(levers, ["lever", "lever", "off", "lever"])
    assert [lever.off for lever in marked] == [False, True, False]


def test_undeclared_tool_or_source_is_refused_naming_the_declared_ones(
    cli: Invoke, system: str
) -> None:
    tool = cli("contain", system, "-l", "disable-tool=not_a_tool", "-r", "x")
    assert tool.exit_code == 1
    assert tool.stderr == (
        "Error: support-bot declares no tool named not_a_tool; its tools are: issue-refund, "
        "send-email. Use one of them, or declare it in actions with `blastwall apply`\n"
    )
    source = cli("contain", system, "-l", "retrieval=kb-public,wiki", "-r", "x")
    assert source.exit_code == 1
    assert source.stderr.startswith(
        "Error: support-bot declares no retrieval source named wiki; its retrieval sources "
        "are: kb-public. "
    )
    assert cli("levers", system, "--json").stdout.count('"revision": 0') == 1


def test_levers_lists_each_environment(cli: Invoke, system: str) -> None:
    assert lines(cli("levers", system).stdout) == [
        "ENV   LEVERS   REVISION   UPDATED   BY",
        "──────────────────────────────────────",
        "*     normal   0          -         -",
    ]
    cli("kill", system, "--env", "prod", "-r", "spike")
    cli("contain", system, "-l", "human_fallback", "-r", "review by people")
    table = lines(cli("levers", system).stdout)
    assert table[0].split() == ["ENV", "LEVERS", "REVISION", "UPDATED", "BY"]
    # Columns but the timestamp (date and time are two words here).
    rows = [row.split()[:-3] + row.split()[-1:] for row in table[2:]]
    assert rows == [["*", "human", "fallback", "2", "root"], ["prod", "killed", "1", "root"]]
    states = json.loads(cli("levers", system, "--json").stdout)
    assert [(s["environment"], s["killed"], s["human_fallback"]) for s in states] == [
        ("*", False, True),
        ("prod", True, False),
    ]


def test_lever_change_for_an_incident_lands_on_its_timeline(
    cli: Invoke, api: httpx.Client, system: str
) -> None:
    opened = api.post("/incidents", json={"title": "overpaying", "harm": "major"}).json()
    cli("kill", system, "-r", "stop refunds", "--incident", str(opened["id"]))
    timeline = api.get(f"/incidents/{opened['id']}").json()["timeline"]
    # The kill contains the incident (incidents/containment.py): its own status entry.
    assert [entry["kind"] for entry in timeline][-2:] == ["lever", "status"]


def test_unknown_lever_lists_the_levers() -> None:
    result = invoke("contain", "support-bot", "--lever", "nuke", "-r", "x")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Invalid value for '--lever' / '-l': unknown lever 'nuke': use one of kill, "
        "safe_mode, human_fallback, reroute=MODEL, filter=NAME, block-term=TERM, "
        "block-pattern=REGEX, filter-stage=input|output|both, disable-tool=NAME, "
        "retrieval=SRC1,SRC2 (see `blastwall contain --help`)\n"
    )


@pytest.mark.parametrize("command", ["kill", "restore"])
def test_missing_reason_says_why_it_is_needed(command: str) -> None:
    result = invoke(command, "support-bot", env={"BLASTWALL_TOKEN": "bw_x"})
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: missing --reason: every change is audited, so say why, "
        "e.g. --reason 'refunds routed to fraud queue'\n"
    )


def test_blank_reason_is_missing_too() -> None:
    result = invoke("contain", "support-bot", "-l", "kill", "--reason", "  ")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: missing --reason: ")


def test_bad_system_name_and_environment_are_refused_locally() -> None:
    bad_name = invoke("kill", "Support Bot", "-r", "x")
    assert bad_name.exit_code == 2
    assert bad_name.stderr == (
        "Error: Invalid value for 'system': system name 'Support Bot' is invalid: use 1-100 "
        "lower-case letters, digits, '.', '_' or '-', starting with a letter or digit "
        "(e.g. support-bot) (see `blastwall kill --help`)\n"
    )
    bad_env = invoke("kill", "support-bot", "-r", "x", "--env", "Prod")
    assert bad_env.stderr == (
        "Error: Invalid value for '--env' / '-e': environment 'Prod' is invalid: use a "
        "lower-case name such as prod, or '*' for every environment "
        "(see `blastwall kill --help`)\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "safe_mode=yes",
            "lever 'safe_mode' takes no value: use --lever safe_mode (add --off to switch it off)",
        ),
        ("filter=", "lever 'filter' has an empty value: use filter=NAME, e.g. filter=pii"),
        (
            "teleport",
            "unknown lever 'teleport': use one of kill, safe_mode, human_fallback, "
            "reroute=MODEL, filter=NAME, block-term=TERM, block-pattern=REGEX, "
            "filter-stage=input|output|both, disable-tool=NAME, retrieval=SRC1,SRC2",
        ),
    ],
)
def test_parse_lever_refuses_with_the_fix(text: str, message: str) -> None:
    with pytest.raises(typer.BadParameter) as caught:
        parse_lever(text)
    assert caught.value.message == message


def test_parse_lever_accepts_dashes_and_plurals() -> None:
    assert parse_lever("Safe-Mode") == Lever("safe_mode", None)
    assert parse_lever("disable_tools=send_email") == Lever("disable_tool", "send_email")
    assert parse_lever("human-fallback") == Lever("human_fallback", None)


def test_lever_that_needs_a_value_says_which() -> None:
    with pytest.raises(UsageProblem) as caught:
        build_set([Lever("reroute", None)], current={})
    assert caught.value.message == (
        "lever 'reroute' needs a value: --lever reroute=MODEL, e.g. reroute=gpt-4o-mini"
    )


def test_build_set_edits_lists_from_the_current_state() -> None:
    current = {"filters": ["pii"], "disabled_tools": ["a", "b"]}
    on = build_set([Lever("filter", "secrets,pii"), Lever("kill", None)], current=current)
    assert on == {"filters": ["pii", "secrets"], "killed": True}
    off = build_set(
        [
            Lever("disable_tool", "a", off=True),
            Lever("retrieval", None, off=True),
            Lever("safe_mode", None, off=True),
        ],
        current=current,
    )
    assert off == {"disabled_tools": ["b"], "retrieval_sources": None, "safe_mode": False}


def test_describe_names_every_lever_in_force() -> None:
    assert describe({"killed": False, "filters": [], "retrieval_sources": None}) == "normal"
    assert describe({"retrieval_sources": []}) == "retrieval only from: none"


def test_authority_shows_the_default_rules(cli: Invoke) -> None:
    assert lines(cli("authority").stdout) == [
        "SUBJECT          LEVER     SYSTEM",
        "─" * 33,
        "role:admin       *         *",
        "role:commander   *         *",
        "role:responder   kill      *",
        "role:responder   restore   *",
    ]


def test_build_set_adds_and_removes_one_term_or_pattern_each_unsplit() -> None:
    current = {"filter_terms": ["free money"], "filter_patterns": [r"ORD-\d{6}"]}
    on = build_set(
        [
            Lever("block_term", "chargeback trick"),
            Lever("block_pattern", r"a{1,3},b"),
            Lever("filter_stage", "output"),
        ],
        current=current,
    )
    assert on == {
        "filter_terms": ["free money", "chargeback trick"],
        "filter_patterns": [r"ORD-\d{6}", r"a{1,3},b"],
        "filter_stage": "output",
    }
    off = build_set(
        [Lever("block_term", "free money", off=True), Lever("filter_stage", None, off=True)],
        current=current,
    )
    assert off == {"filter_terms": [], "filter_stage": "both"}


def test_describe_names_blocked_terms_patterns_and_stage() -> None:
    state = {"filter_terms": ["free money"], "filter_patterns": ["x+"], "filter_stage": "input"}
    assert describe(state) == (
        "blocked terms: free money; blocked patterns: x+; blocking on input only"
    )
