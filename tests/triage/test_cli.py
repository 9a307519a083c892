"""`blastwall triage ID [--answer Q=A] [--json]` against a live server, on both databases."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from tests.cli.conftest import lines
from tests.conftest import make_token
from tests.traces.factories import live_cli
from tests.triage.factories import apply_text, open_incident

Factory = sessionmaker[Session]


def test_triage_from_the_terminal_to_an_outcome(
    settings: Settings, engine: Engine, session_factory: Factory
) -> None:
    apply_text(session_factory)
    incident = open_incident(session_factory)
    rita = make_token(session_factory, "rita", Role.responder)
    with live_cli(settings, engine, rita) as cli:
        asked = cli("triage", str(incident))
        assert asked.exit_code == 0, asked.output
        assert lines(asked.stdout) == [
            f"Triage of incident {incident} (refund-bot)",
            "Now: Are refunds going out that should not? [money]",
            "  answers: yes | no",
            f"    blastwall triage {incident} --answer money=yes",
        ]

        done = cli("triage", str(incident), "--answer", "money=yes", "-a", "size=yes")
        assert done.exit_code == 0, done.output
        shown = lines(done.stdout)
        assert shown[0] == f"Triage of incident {incident} (refund-bot)"
        assert shown[1].startswith("  Are refunds going out that should not? -> yes   (rita, ")
        assert shown[2].startswith("  Are the refunds larger than the orders? -> yes   (rita, ")
        assert shown[3:] == [
            "Outcome",
            "  suspected surface: prompt",
            "  owning team: payments-ml",
            "  Stop refunds first.",
            f"    blastwall contain refund-bot --lever disable-tool=issue_refund --env prod "
            f'--incident {incident} --reason "WHY"',
            f'    blastwall kill refund-bot --env prod --incident {incident} --reason "WHY"',
        ]

        as_json = cli("triage", str(incident), "--json")
        assert json.loads(as_json.stdout)["outcome"]["surface"] == "prompt"

        wrong = cli("triage", str(incident), "--answer", "money")
        assert wrong.exit_code == 2
        assert "'money' is not QUESTION=ANSWER" in wrong.output
        refused = cli("triage", str(incident), "--answer", "money=maybe")
        assert refused.exit_code == 1
        assert lines(refused.stderr) == [
            "Error: 'maybe' is not an answer to 'money' (Are refunds going out that should "
            "not?): answer one of 'yes', 'no'"
        ]
