"""`blastwall trace list|show|flag` against a live server."""

from __future__ import annotations

import json

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.cli.traces import moment
from blastwall.config import Settings
from tests.cli.conftest import lines
from tests.traces.factories import (
    call_event,
    feedback_event,
    live_cli,
    post_events,
    register_system,
)


def test_list_show_and_flag_a_trace(
    client: TestClient,
    settings: Settings,
    engine: Engine,
    admin_token: str,
    session_factory: sessionmaker[Session],
) -> None:
    register_system(session_factory)
    post_events(
        client,
        [
            call_event(trace_id="t-old", at="2025-01-31T11:00:00Z", label="refund"),
            call_event(trace_id="t-new", at="2025-01-31T12:00:00Z", error="Timeout: 30 s"),
            feedback_event(trace_id="t-new"),
        ],
    )
    with live_cli(settings, engine, admin_token) as cli:
        listed = cli("trace", "list", "--label", "fraud")
        assert listed.exit_code == 0, listed.output
        assert lines(listed.stdout)[2].split() == [
            "2025-01-31", "12:00:00", "t-new", "refund-classifier", "production", "u-42",
            "proceed", "ok", "fraud", "gpt-4o-mini", "412",
        ]  # fmt: skip
        assert len(lines(listed.stdout)) == 3

        paged = cli("trace", "list", "-n", "1", "--json")
        page = json.loads(paged.stdout)
        assert [t["trace_id"] for t in page["items"]] == ["t-new"]
        older = cli("trace", "list", "-n", "1", "--cursor", page["next_cursor"], "--json")
        assert [t["trace_id"] for t in json.loads(older.stdout)["items"]] == ["t-old"]

        shown = cli("trace", "show", "t-new")
        assert shown.exit_code == 0, shown.output
        text = lines(shown.stdout)
        assert text[0] == "Trace t-new"
        assert "Error:      Timeout: 30 s" in text
        assert '  tool lookup_order{"order": 7} -> ok' in text
        assert "  action hold_account (IRREVERSIBLE) approved via validator" in text
        assert text[-1] == "Feedback 2025-01-31 12:05:00 by agent-7: wrong: not fraud"

        flagged = cli("trace", "flag", "t-old", "--rating", "harmful", "--comment", "rude")
        assert lines(flagged.stdout) == ["Flagged t-old as harmful."]

        missing = cli("trace", "show", "nope")
        assert missing.exit_code == 1
        assert "no trace 'nope'" in missing.stderr


def test_since_takes_a_look_back_or_an_aware_time() -> None:
    assert moment("2025-01-31T12:00:00Z") == "2025-01-31T12:00:00+00:00"
    assert moment("15m") is not None
    with pytest.raises(typer.BadParameter, match="has no time zone: add one"):
        moment("2025-01-31T12:00:00")
    with pytest.raises(typer.BadParameter, match="use a look-back like 15m, 2h, 7d"):
        moment("yesterday")
