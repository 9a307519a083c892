"""`blastwall review next|mark|accuracy` against a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as SqlEngine
from typer.testing import Result

from blastwall.config import Settings
from blastwall.server.app import create_app
from tests.cli.conftest import invoke, lines, running
from tests.review.factories import Factory, calls, configure, queue, register


@pytest.fixture
def server(tmp_path: Path, database_url: str, engine: SqlEngine) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, engine_enabled=False)
    with running(create_app(settings, engine)) as url:
        yield url


def cli(server: str, token: str, *args: str) -> Result:
    return invoke(*args, env={"BLASTWALL_SERVER": server, "BLASTWALL_TOKEN": token})


def test_review_next_mark_and_accuracy(
    server: str, admin_token: str, session_factory: Factory
) -> None:
    register(session_factory)
    assert lines(cli(server, admin_token, "review", "next").stdout) == ["Nothing to review."]
    configure(session_factory, 1.0, baseline=10)
    queue(session_factory, calls(2))
    shown = cli(server, admin_token, "review", "next", "--system", "refund-bot", "--json")
    item = json.loads(shown.stdout)
    assert (item["status"], item["output_text"]) == ("claimed", "answer 0")
    marked = cli(server, admin_token, "review", "mark", str(item["id"]), "incorrect", "--note", "x")
    assert lines(marked.stdout) == [f"Item {item['id']} marked incorrect."]
    report = lines(cli(server, admin_token, "review", "accuracy", "refund-bot").stdout)
    assert report[1].split() == [
        "Baseline:",
        "0.0%",
        "[0.0%,",
        "79.3%]",
        "(0/1",
        "correct)",
        "(learning:",
        "first",
        "10)",
    ]


def test_review_mark_refuses_a_bad_verdict_and_a_finished_item(
    server: str, admin_token: str, session_factory: Factory
) -> None:
    register(session_factory)
    configure(session_factory, 1.0)
    queue(session_factory, calls(1))
    bad = cli(server, admin_token, "review", "mark", "1", "maybe")
    assert bad.exit_code == 2
    assert "'maybe' is not one of 'correct', 'incorrect'" in bad.stderr
    item_id = json.loads(cli(server, admin_token, "review", "next", "--json").stdout)["id"]
    assert cli(server, admin_token, "review", "mark", str(item_id), "correct").exit_code == 0
    again = cli(server, admin_token, "review", "mark", str(item_id), "correct")
    assert again.exit_code == 1
    assert f"review item {item_id} was already marked correct by" in again.stderr
