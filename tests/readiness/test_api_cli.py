"""GET /readiness routes and `blastwall readiness`: the service's answer, roles, the page."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from tests.cli.conftest import lines
from tests.conftest import make_token
from tests.registry.factories import make_system
from tests.traces.factories import live_cli

Factory = sessionmaker[Session]
S = "support-agent"
MISSING = (
    "versioned_surfaces, traces_arriving, canary_gate, monitors, action_gates, fallback, "
    "kill_exercised, on_call, runbook"
)


def test_routes_and_cli_show_each_check_with_a_word_and_its_fix(
    settings: Settings, engine: Engine, session_factory: Factory
) -> None:
    with session_factory() as session, session.begin():
        make_system(session, fallback="")
    viewer = make_token(session_factory, "vic", Role.viewer)
    alerts = make_token(session_factory, "am", Role.alerts)
    with live_cli(settings, engine, viewer) as cli:
        one = cli("readiness", S, "--json")
        assert one.exit_code == 0, one.output
        page = json.loads(one.stdout)
        assert [(c["name"], c["ok"]) for c in page["checks"]] == [
            ("versioned_surfaces", False),
            ("traces_arriving", False),
            ("canary_gate", False),
            ("monitors", False),
            ("action_gates", False),
            ("fallback", False),
            ("kill_exercised", False),
            ("on_call", False),
            ("owner", True),
            ("runbook", False),
        ]
        assert (page["passed"], page["total"], page["score"]) == (1, 10, 0.1)

        every = cli("readiness", "--json")
        assert [i["system"] for i in json.loads(every.stdout)] == [S]
        table = lines(cli("readiness").stdout)
        assert table[-1].split() == [S, "1/10", "(10%)", *MISSING.split()]

        text = lines(cli("readiness", S).stdout)
        assert text[0] == f"Readiness: {S} (prod): 1/10 (10%)"
        assert text[1] == (
            "  ✗ MISSING  Versioned surfaces in use: no release yet: prompts, models and "
            "sources are not versioned"
        )
        assert text[2] == f"      blastwall release create {S} v1 --surface kb=FILE.yaml"
        assert "  ✓ ok       Named owner: owner: alice@example.com" in text

        missing = cli("readiness", "nope")
        assert missing.exit_code == 1
        assert "no system named 'nope'" in missing.output.lower()
        refused = cli("readiness", S, as_token=alerts)
        assert refused.exit_code == 1, refused.output
