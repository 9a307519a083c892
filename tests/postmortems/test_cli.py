"""`blastwall postmortem`, `blastwall actions` and `blastwall metrics` against the app.

The CLI is a thin client of routes tested on both databases, so one database is enough,
and its HTTP client talks to the app in-process (the same requests as over a socket,
without starting a server: a live server costs this test about 7 s).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from blastwall.cli import actions, client, metrics, postmortems
from blastwall.db.session import unit_of_work
from tests.cli.conftest import invoke, lines
from tests.postmortems.factories import incident, released_system


@pytest.fixture
def cli(
    app_client: TestClient, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """The CLI as admin, its requests handled by the test app in-process."""

    def forward(request: httpx.Request) -> httpx.Response:
        answer = app_client.request(
            request.method, str(request.url), headers=request.headers, content=request.content
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    def connect(server: str) -> client.Client:
        return client.Client(server, admin_token, transport=httpx.MockTransport(forward))

    for module in (actions, metrics, postmortems):
        monkeypatch.setattr(module, "connect", connect)

    def run(*args: str) -> Result:
        return invoke(*args, env={"BLASTWALL_SERVER": "http://testserver"})

    return run


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_draft_prints_markdown_and_actions_and_metrics_print_json(
    cli: Callable[..., Result], session_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(session_factory) as session:
        released_system(session)
        incident_id = incident(session).id
    drafted = cli("postmortem", "draft", str(incident_id))
    assert drafted.exit_code == 0, drafted.output
    assert drafted.stdout.startswith(f"# Postmortem: incident {incident_id}, refund bot")
    assert "- Detected: 2025-01-01 00:25:00 UTC (time to detect: 20m 0s)" in drafted.stdout
    assert "-Check the order total.\n+Refund whatever is asked." in drafted.stdout

    edited = cli("postmortem", "edit", str(incident_id), "root_cause", "--text", "v2 prompt")
    assert lines(edited.stdout) == [
        f"Section root_cause of incident {incident_id}'s postmortem saved."
    ]
    shown = cli("postmortem", "show", str(incident_id))
    assert "## Root cause across surfaces\n\nv2 prompt\n" in shown.stdout

    added = cli(
        "actions", "add", str(incident_id), "--title", "Watch labels", "--owner", "dana",
        "--due", "2025-01-10", "--category", "detection_gap",
    )  # fmt: skip
    assert lines(added.stdout) == ["Added action item #1: Watch labels."]
    listed = json.loads(cli("actions", "list", "--overdue", "--json").stdout)
    assert [(i["id"], i["owner"], i["overdue"]) for i in listed] == [(1, "dana", True)]
    table = lines(cli("actions", "list").stdout)
    assert table[2].split()[:5] == ["1", str(incident_id), "2025-01-10", "(overdue)", "open"]
    bad = cli("actions", "create", "1", "--spec", "{not json")
    assert bad.exit_code == 2
    assert "--spec is not JSON (Expecting property name enclosed in double quotes" in bad.output
    spec = '{"signal": "output_category", "params": {"categories": ["a", "b"]}}'
    made = cli("actions", "create", "1", "--spec", spec)
    assert lines(made.stdout) == [
        f"Action item #1 created monitor incident-{incident_id}-item-1 on refund-bot."
    ]
    assert lines(cli("actions", "done", "1", "-r", "added").stdout) == ["Action item #1 done."]

    metrics = json.loads(cli("metrics", "refund-bot", "--since", "2025-01-01", "--json").stdout)
    assert (metrics["since"], metrics["all"]["mttd"]) == (
        "2025-01-01T00:00:00Z",
        {"count": 1, "median_s": 1200.0, "mean_s": 1200.0},
    )
    assert lines(cli("metrics").stdout)[2].split()[:3] == ["refund-bot", "1", "20m"]
