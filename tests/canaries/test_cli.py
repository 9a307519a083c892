"""`blastwall canary list|show|run|runs` against a live server (the group's own Typer app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from blastwall.cli.canaries import app
from blastwall.config import Settings
from blastwall.server.app import create_app
from tests.canaries.factories import gated_system
from tests.cli.conftest import lines, running


@pytest.fixture
def server(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        engine_enabled=False,
        canary_scheduler_enabled=False,
    )
    with running(create_app(settings, engine)) as url:
        yield url


def canary(server: str, token: str, *args: str) -> Result:
    env = {"BLASTWALL_SERVER": server, "BLASTWALL_TOKEN": token, "COLUMNS": "200", "NO_COLOR": "1"}
    return CliRunner().invoke(app, ["canary", *args], env=env)


def test_run_against_a_release_reports_failures_and_exits_1(
    server: str, admin_token: str, session_factory: sessionmaker[Session]
) -> None:
    gated_system(session_factory)
    failed = canary(server, admin_token, "run", "support-agent", "--release", "bad-3")
    assert failed.exit_code == 1
    assert lines(failed.stdout) == [
        "Run 1: routing v1 against bad-3: FAILED 1/2",
        "  refund: expected label 'refund', got label 'general'",
    ]
    passed = canary(server, admin_token, "run", "support-agent", "--set", "routing")
    assert (passed.exit_code, lines(passed.stdout)) == (0, ["Run 2: routing v1 against v1: passed"])
    runs = lines(canary(server, admin_token, "runs", "support-agent").stdout)
    assert [line.split()[0] for line in runs[2:]] == ["2", "1"]
    listed = lines(canary(server, admin_token, "list", "support-agent").stdout)
    assert listed[2].split()[:5] == ["routing", "1", "2", "on", "demand"]
    shown = canary(server, admin_token, "show", "support-agent", "routing").stdout
    assert "label {'value': 'refund'}" in shown


def test_a_bad_release_name_is_refused_before_any_request(server: str, admin_token: str) -> None:
    result = canary(server, admin_token, "run", "support-agent", "--release", "Bad Name")
    assert result.exit_code == 2
    assert "release name 'Bad Name' is invalid" in result.output
