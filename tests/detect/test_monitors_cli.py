"""`blastwall monitor list SYSTEM` and `blastwall alarm list` against a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from blastwall.config import Settings
from blastwall.detect.engine import Engine
from blastwall.server.app import create_app
from tests.cli.conftest import invoke, lines, running
from tests.detect.engine_factories import (
    LABELS,
    add_monitor,
    call,
    classifier_calls,
    push,
    register,
    tick,
)

Factory = sessionmaker[Session]


@pytest.fixture
def server(tmp_path: Path, database_url: str, engine: SqlEngine) -> Iterator[str]:
    """A live server without its engine thread: the test ticks the engine itself."""
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, engine_enabled=False)
    with running(create_app(settings, engine)) as url:
        yield url


def cli(server: str, token: str, *args: str) -> Result:
    return invoke(*args, env={"BLASTWALL_SERVER": server, "BLASTWALL_TOKEN": token})


def test_monitor_list_shows_phase_counters_and_what_is_wrong(
    server: str, admin_token: str, session_factory: Factory
) -> None:
    register(session_factory)
    assert lines(cli(server, admin_token, "monitor", "list", "refund-bot").stdout) == [
        "No monitors on this system: declare them under the system's 'monitors:' in "
        "blastwall.yaml and run `blastwall apply -f blastwall.yaml`."
    ]
    add_monitor(
        session_factory,
        "fraud-share",
        "output_category",
        params={"categories": list(LABELS)},
        reference={"observations": 2000},
    )
    add_monitor(
        session_factory,
        "amount",
        "input_numeric",
        params={"attribute": "amount"},
        environment="prod",
    )
    push(session_factory, [call(i, label="approve" if i else "??") for i in range(40)])
    tick(session_factory)
    table = lines(cli(server, admin_token, "monitor", "list", "refund-bot").stdout)
    assert table[0].split() == [
        "NAME",
        "SIGNAL",
        "ENV",
        "PHASE",
        "SEEN",
        "MISSING",
        "BAD",
        "FALSE",
        "ALARMS",
        "BASELINE",
        "KNOWN-GOOD",
    ]
    assert table[2].split() == [
        "amount",
        "input_numeric",
        "prod",
        "learning",
        "0/10000",
        "0",
        "40",
        "-",
        "1e-05/obs",
        "-",
        "none",
    ]
    assert table[3].split() == [
        "fraud-share",
        "output_category",
        "all",
        "learning",
        "39/2000",
        "39",
        "0",
        "1",
        "unknown",
        "category",
        "1e-05/obs",
        "-",
        "none",
    ]
    assert table[4] == (
        "amount: no observation yet: 40 watched call(s) lacked the field this signal reads; "
        "check the signal and its params against what the SDK sends"
    )
    as_json = json.loads(cli(server, admin_token, "monitor", "list", "refund-bot", "--json").stdout)
    assert [m["name"] for m in as_json] == ["amount", "fraud-share"]
    missing = cli(server, admin_token, "monitor", "list", "nope")
    assert missing.exit_code == 1
    assert "no system named 'nope'" in missing.stderr


def test_alarm_list_shows_the_change_and_the_incident(
    server: str, admin_token: str, session_factory: Factory
) -> None:
    register(session_factory)
    assert lines(cli(server, admin_token, "alarm", "list").stdout) == ["No alarms."]
    add_monitor(
        session_factory,
        "fraud-share",
        "output_category",
        params={"categories": list(LABELS)},
        reference={"observations": 2000},
    )
    engine = Engine(settle_s=0)
    push(session_factory, classifier_calls(3000, 3000))
    tick(session_factory, engine)
    push(session_factory, classifier_calls(1500, 3000, first=3000))
    tick(session_factory, engine)
    table = lines(cli(server, admin_token, "alarm", "list", "--system", "refund-bot").stdout)
    assert len(table) == 3
    assert "share of 'fraud' 0.01973 -> 0.1316" in table[2]
    assert "2025-01-01 00:00:03" in table[2]
    assert "#1" in table[2]
    assert "trace-3043, trace-3071, trace-3082" in table[2]
    [alarm] = json.loads(
        cli(server, admin_token, "alarm", "list", "--incident", "1", "--json").stdout
    )
    assert (alarm["monitor"], alarm["repeats"]) == ("fraud-share", 5)
