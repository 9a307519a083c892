"""`blastwall handoff list|show|claim|resolve` against a live server."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from tests.cli.conftest import lines
from tests.conftest import make_token
from tests.handoffs.test_api import handoff_body
from tests.traces.factories import live_cli, register_system


def test_list_claim_and_resolve_from_the_terminal(
    client: TestClient,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    register_system(session_factory)
    for _ in range(2):
        assert client.post("/api/v1/handoffs", json=handoff_body()).status_code == 201
    remy = make_token(session_factory, "remy", Role.responder)
    rita = make_token(session_factory, "rita", Role.responder)
    with live_cli(settings, engine, remy) as cli:
        listed = cli("handoff", "list", "--status", "open")
        assert listed.exit_code == 0, listed.output
        rows = lines(listed.stdout)[2:]
        assert [row.split()[0] for row in rows] == ["1", "2"]
        assert rows[0].split()[3:] == [
            "refund-classifier", "production", "open", "-", "human_fallback",
            "I", "was", "charged", "twice,", "refund", "one", "please",
        ]  # fmt: skip

        claimed = cli("handoff", "claim", "1")
        assert claimed.exit_code == 0, claimed.output
        assert lines(claimed.stdout)[0] == "Claimed handoff #1 (refund-classifier / production)."
        assert "Input:      I was charged twice, refund one please" in lines(claimed.stdout)

        taken = cli("handoff", "claim", "1", as_token=rita)
        assert taken.exit_code == 1
        assert lines(taken.stderr) == [
            "Error: handoff 1 is already claimed by remy; pick an open one with `blastwall "
            "handoff list --status open`"
        ]

        resolved = cli("handoff", "resolve", "1", "--resolution", "Refunded by hand")
        assert lines(resolved.stdout) == ["Resolved handoff #1."]
        shown = lines(cli("handoff", "show", "1").stdout)
        assert shown[0] == "Handoff:    #1 (resolved)"
        assert "Resolution: Refunded by hand" in shown

        empty = cli("handoff", "list", "--status", "claimed")
        assert lines(empty.stdout) == ["No handoffs match."]
