"""`blastwall incident reportable|fact|anchor`, `clocks` and `report` against the app.

The CLI is a thin client of routes tested on both databases, so one database is enough;
its HTTP client talks to the app in-process (no server started), as a commander.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from blastwall.access.enums import Role
from blastwall.cli import client, incidents, regulatory
from tests.cli.conftest import invoke, lines
from tests.conftest import make_token
from tests.regulatory.factories import apply_text, open_incident

Factory = sessionmaker[Session]


@pytest.fixture
def cli(
    app_client: TestClient, session_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """The CLI as carla (commander), its requests handled by the test app in-process."""
    carla = make_token(session_factory, "carla", Role.commander)

    def forward(request: httpx.Request) -> httpx.Response:
        answer = app_client.request(
            request.method, str(request.url), headers=request.headers, content=request.content
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def connect(server: str) -> client.Client:
        return client.Client(server, carla, transport=httpx.MockTransport(forward))

    monkeypatch.setattr(regulatory, "connect", connect)
    monkeypatch.setattr(incidents, "connect", connect)

    def run(*args: str) -> Result:
        return invoke(*args, env={"BLASTWALL_SERVER": "http://testserver"})

    return run


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_decide_clock_draft_and_submit_from_the_terminal(
    cli: Callable[..., Result], session_factory: Factory
) -> None:
    apply_text(session_factory)
    incident = open_incident(session_factory)
    missing = cli("incident", "reportable", str(incident), "--regime", "gdpr", "--yes")
    assert missing.exit_code == 2
    assert "missing --rationale" in missing.output
    both = cli(
        "incident",
        "reportable",
        str(incident),
        "--regime",
        "gdpr",
        "--yes",
        "--no",
        "--rationale",
        "x",
    )
    assert "say exactly one of --yes, --no or --undecided" in both.output
    decided = cli(
        "incident",
        "reportable",
        str(incident),
        "--regime",
        "eu_ai_act",
        "--no",
        "--rationale",
        "no high-risk use",
        "--json",
    )
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.stdout)["decisions"][0]["decision"] == "not_reportable"
    naive = cli("incident", "anchor", str(incident), "causal_link", "--at", "2026-12-01 10:00")
    assert naive.exit_code == 2
    assert "is not a time with a zone" in naive.output

    shown = cli("clocks", str(incident), "--json")
    assert shown.exit_code == 0, shown.output
    clocks = {(c["regime"], c["stage"]): c for c in json.loads(shown.stdout)}
    assert clocks[("eu_ai_act", "initial")]["status"] == "not_applicable"
    assert clocks[("gdpr", "notification")]["due_at"] == "2026-12-04T09:30:00Z"
    table = cli("clocks", str(incident))
    assert table.exit_code == 0, table.output
    assert any("OVERDUE by" in line and "gdpr" in line for line in lines(table.stdout))
    # The incident itself lists its deadlines (the not-applicable AI Act one left out).
    shown = lines(cli("incident", "show", str(incident)).stdout)
    deadlines = shown[shown.index("Regulator deadlines") + 1 : shown.index("Timeline")]
    assert [line.split(":")[0] for line in deadlines] == [
        "  gdpr notification",
        "  nis2 early_warning",
        "  nis2 notification",
        "  nis2 final",
        "  dora initial",
        "  dora intermediate",
        "  dora final",
        "  ca_sb53 initial",
    ]
    assert deadlines[0].startswith(
        "  gdpr notification: running, due 2026-12-04 09:30:00 (OVERDUE by "
    )
    assert deadlines[3] == "  nis2 final: waiting_for_anchor"

    drafted = cli("report", "draft", str(incident), "--regime", "gdpr", "--json")
    assert drafted.exit_code == 0, drafted.output
    report = json.loads(drafted.stdout)
    text = cli("report", "show", str(report["id"]))
    assert text.stdout == report["body"]
    sent = cli("report", "submit", str(report["id"]))
    assert sent.exit_code == 0, sent.output
    assert lines(sent.stdout)[0].startswith(
        f"Submitted report {report['id']} (gdpr notification v1) to supervisory authority at "
    )
    listed = cli("report", "list", str(incident), "--json")
    assert [(r["id"], r["stage"]) for r in json.loads(listed.stdout)] == [
        (report["id"], "notification")
    ]
