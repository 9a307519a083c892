"""`blastwall approvals list|show|approve|deny` against a live server."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from tests.approvals.test_api import approval_body
from tests.cli.conftest import lines
from tests.conftest import make_token
from tests.traces.factories import live_cli, register_system


def test_list_approve_and_deny_from_the_terminal(
    client: TestClient,
    settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
) -> None:
    register_system(session_factory)
    for _ in range(2):
        assert client.post("/api/v1/approvals", json=approval_body()).status_code == 201
    remy = make_token(session_factory, "remy", Role.responder)
    with live_cli(settings, engine, remy) as cli:
        pending = cli("approvals", "list")
        assert pending.exit_code == 0, pending.output
        rows = lines(pending.stdout)[2:]
        assert [row.split()[0] for row in rows] == ["1", "2"]
        assert '{"amount": 30.0, "order": 1234}' in rows[0]

        no_reason = cli("approvals", "approve", "1")
        assert no_reason.exit_code == 2
        assert "Missing option '--reason'" in no_reason.stderr
        blank = cli("approvals", "approve", "1", "--reason", " ")
        assert blank.exit_code == 2
        assert blank.stderr.startswith("Error: missing --reason: decisions are audited, so say why")

        approved = cli("approvals", "approve", "1", "--reason", "matches the order")
        assert lines(approved.stdout) == [
            "Approved #1 issue_refund on refund-classifier / production."
        ]
        denied = cli("approvals", "deny", "2", "-r", "amount too high")
        assert lines(denied.stdout) == ["Denied #2 issue_refund on refund-classifier / production."]
        again = cli("approvals", "deny", "1", "-r", "changed my mind")
        assert again.exit_code == 1
        assert lines(again.stderr) == [
            "Error: approval request 1 was already approved by remy: matches the order"
        ]

        assert lines(cli("approvals", "list").stdout) == ["No approval requests match."]
        shown = lines(cli("approvals", "show", "2").stdout)
        assert shown[0] == "Request:   #2 (denied)"
        assert shown[-1].startswith("Decided:   remy at ")
        assert shown[-1].endswith(": amount too high")
