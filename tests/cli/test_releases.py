"""`release create|list|mark-known-good|activate|active` and `rollback` against a live server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Invoke, invoke, lines, make_release, make_system


@pytest.fixture
def system(api: httpx.Client) -> str:
    return make_system(api)["name"]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "model.yaml").write_text("provider: openai\nname: gpt-4o\ntemperature: 0.2\n")
    (tmp_path / "prompt.json").write_text(json.dumps({"text": "You are a support agent."}))
    return tmp_path


def test_create_release_from_files_then_edit_one_key(cli: Invoke, system: str, files: Path) -> None:
    first = cli(
        "release",
        "create",
        system,
        "v1",
        "--surface",
        f"model={files / 'model.yaml'}",
        "-s",
        f"prompt={files / 'prompt.json'}",
        "--notes",
        "first cut",
    )
    assert first.exit_code == 0, first.output
    assert lines(first.stdout) == ["Created release v1 of support-bot: model v1, prompt v1"]
    second = cli("release", "create", system, "v2", "--set", "model.temperature=0.9")
    assert lines(second.stdout) == ["Created release v2 of support-bot: model v2, prompt v1"]
    active = cli("release", "activate", system, "v2", "--env", "prod", "-r", "ship")
    assert lines(active.stdout) == ["Activated v2 of support-bot in prod."]
    content = json.loads(cli("release", "active", system, "--env", "prod", "--json").stdout)
    assert content["surfaces"]["model"]["content"] == {
        "provider": "openai",
        "name": "gpt-4o",
        "temperature": 0.9,
    }


def test_list_shows_newest_first_with_known_good(
    cli: Invoke, api: httpx.Client, system: str
) -> None:
    make_release(api, system, "v1", {"model": {"name": "a"}, "prompt": {"text": "hi"}})
    make_release(api, system, "v2", {"model": {"name": "b"}})
    marked = cli("release", "mark-known-good", system, "v1", "--reason", "baseline")
    assert lines(marked.stdout) == ["Marked v1 of support-bot known-good."]
    table = lines(cli("release", "list", system).stdout)
    assert table[0].split() == ["RELEASE", "KNOWN", "GOOD", "SURFACES", "CREATED", "BY", "NOTES"]
    assert [row.split()[:6] for row in table[2:]] == [
        ["v2", "no", "model", "v2,", "prompt", "v1"],
        ["v1", "yes", "model", "v1,", "prompt", "v1"],
    ]
    listed = json.loads(cli("release", "list", system, "--json").stdout)
    assert [(r["name"], r["known_good"]) for r in listed] == [("v2", False), ("v1", True)]


def test_rollback_to_known_good_and_one_surface(
    cli: Invoke, api: httpx.Client, system: str
) -> None:
    make_release(api, system, "v1", {"model": {"name": "a"}, "prompt": {"text": "hi"}})
    make_release(api, system, "v2", {"model": {"name": "b"}, "prompt": {"text": "yo"}})
    cli("release", "mark-known-good", system, "v1", "-r", "baseline")
    cli("release", "activate", system, "v2", "--env", "prod", "-r", "ship")
    one = cli("rollback", system, "--env", "prod", "--surface", "prompt", "--reason", "rude")
    assert one.exit_code == 0, one.output
    assert lines(one.stdout) == [
        "Rolled back support-bot in prod: v2 -> v2+rollback-prompt-1 (surfaces changed: prompt)"
    ]
    whole = cli("rollback", system, "-e", "prod", "--to", "v1", "-r", "still wrong", "--json")
    assert json.loads(whole.stdout) == {
        "environment": "prod",
        "from_release": "v2+rollback-prompt-1",
        "to_release": "v1",
        "surfaces_changed": ["model"],
    }


def test_rollback_with_nothing_known_good_says_so(
    cli: Invoke, api: httpx.Client, system: str
) -> None:
    make_release(api, system, "v1", {"model": {"name": "a"}, "prompt": {"text": "hi"}})
    cli("release", "activate", system, "v1", "--env", "prod", "-r", "ship")
    result = cli("rollback", system, "--env", "prod", "-r", "bad")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no release of support-bot is marked known-good; mark one with "
        "`blastwall release mark-known-good support-bot RELEASE --reason ...`, "
        "or roll back to a named release (--to RELEASE)\n"
    )


def test_set_without_any_release_to_start_from(cli: Invoke, system: str) -> None:
    result = cli("release", "create", system, "v1", "--set", "prompt.text=hi")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: --set prompt.KEY=VALUE: support-bot has no release with surface 'prompt' to "
        "start from; pass its whole content with --surface prompt=FILE\n"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("p.yaml", "- a\n- b\n", "p.yaml must hold an object (key: value pairs), not list"),
        (
            "p.json",
            "{oops",
            "p.json is not valid json: Expecting property name enclosed in "
            "double quotes: line 1 column 2 (char 1)",
        ),
        ("p.txt", "text: hi", "p.txt must be a .json, .yaml or .yml file holding an object"),
    ],
)
def test_surface_file_problems_name_the_surface_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text)
    env = {"BLASTWALL_TOKEN": "bw_x"}
    result = invoke("release", "create", "support-bot", "v1", "-s", f"prompt={name}", env=env)
    assert result.exit_code == 1
    assert result.stderr == f"Error: surface 'prompt': {message}\n"


def test_missing_surface_file() -> None:
    env = {"BLASTWALL_TOKEN": "bw_x"}
    result = invoke("release", "create", "sb", "v1", "-s", "prompt=nowhere.yaml", env=env)
    assert result.stderr == (
        "Error: surface 'prompt': cannot read nowhere.yaml: No such file or directory\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["release", "create", "sb", "v1", "--surface", "prompt"],
            "Invalid value for '--surface' / '-s': 'prompt' is not NAME=FILE, "
            "e.g. --surface prompt=prompt.yaml (see `blastwall release create --help`)",
        ),
        (
            ["release", "create", "sb", "v1", "--set", "temperature=1"],
            "Invalid value for '--set': 'temperature=1' is not NAME.KEY=VALUE, "
            "e.g. --set config.temperature=0.2 (see `blastwall release create --help`)",
        ),
        (
            ["rollback", "sb", "-r", "x"],
            "Missing option '--env' / '-e'. (see `blastwall rollback --help`)",
        ),
        (
            ["rollback", "sb", "-e", "prod", "-r", "x", "--to", "Last Good"],
            "Invalid value for '--to': 'Last Good' is neither 'known-good' nor a release name "
            "(lower-case, e.g. v41) (see `blastwall rollback --help`)",
        ),
    ],
)
def test_bad_release_arguments(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"


def test_active_and_history_show_what_is_in_force(
    cli: Invoke, api: httpx.Client, system: str
) -> None:
    make_release(api, system, "v1", {"model": {"name": "a"}, "prompt": {"text": "hi"}})
    assert lines(cli("release", "history", system).stdout) == [
        "Nothing of support-bot has been activated yet."
    ]
    cli("release", "activate", system, "v1", "--env", "prod", "-r", "ship")
    active = lines(cli("release", "active", system, "--env", "prod").stdout)
    assert active[0].startswith("support-bot in prod: release v1, activated ")
    assert active[0].endswith(" by root")
    assert active[1:] == [
        "SURFACE   KIND     VERSION   CONTENT",
        "─" * 43,
        'model     model    1         {"name": "a"}',
        'prompt    prompt   1         {"text": "hi"}',
    ]
    history = lines(cli("release", "history", system, "--env", "prod").stdout)
    assert [row.split()[2:] for row in history[2:]] == [["prod", "v1", "root", "ship", "-"]]
    assert lines(cli("release", "history", system, "--env", "staging").stdout) == [
        "Nothing of support-bot has been activated yet."
    ]


def test_create_release_declaring_the_monitors_it_moves(
    cli: Invoke, api: httpx.Client, system: str
) -> None:
    make_release(api, system, "v1", {"model": {"name": "a"}, "prompt": {"text": "hi"}})
    monitor = {"name": "lengths", "signal": "response_length"}
    assert api.post(f"/systems/{system}/monitors", json=monitor).status_code == 201
    created = cli(
        "release", "create", system, "v2", "--set", "prompt.text=be brief",
        "--expect-shift", "lengths", "--json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["expect_shift"] == ["lengths"]
    refused = cli("release", "create", system, "v3", "--expect-shift", "nope")
    assert refused.exit_code == 1
    assert "expect_shift names monitor(s) nope that support-bot does not have" in refused.stderr
