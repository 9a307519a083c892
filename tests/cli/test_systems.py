"""`systems` lists the inventory."""

from __future__ import annotations

import json

import httpx
import pytest

from blastwall.cli import client
from tests.cli.conftest import Invoke, lines, make_system


def test_systems_table_and_json(cli: Invoke, api: httpx.Client) -> None:
    assert lines(cli("systems").stdout) == [
        "No systems registered yet: describe them in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`."
    ]
    make_system(api)
    make_system(api, "faq-bot", risk_tier="low", environments=["prod"], actions=[], surfaces=[])
    assert lines(cli("systems").stdout) == [
        "NAME          RISK   OWNER   ENVIRONMENTS    SURFACES                         "
        "IRREVERSIBLE ACTIONS",
        "─" * 98,
        "faq-bot       low    alice   prod            -                                -",
        "support-bot   high   alice   staging, prod   model (model), prompt (prompt)   "
        "issue-refund",
    ]
    listed = json.loads(cli("systems", "--json").stdout)
    assert [(s["name"], s["risk_tier"]) for s in listed] == [
        ("faq-bot", "low"),
        ("support-bot", "high"),
    ]


def test_lists_follow_next_cursor_to_the_end_or_the_limit(
    cli: Invoke, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of two, so three systems take two pages.
    monkeypatch.setattr(client, "PAGE_SIZE", 2)
    for name in ("a-bot", "b-bot", "c-bot"):
        make_system(api, name, actions=[], surfaces=[])
    listed = json.loads(cli("systems", "--json").stdout)
    assert [s["name"] for s in listed] == ["a-bot", "b-bot", "c-bot"]
    seen: list[dict[str, object]] = []
    transport = httpx.HTTPTransport()

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        return transport.handle_request(request)

    token = api.headers["Authorization"].removeprefix("Bearer ")
    server = str(api.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
    reader = client.Client(server, token, transport=httpx.MockTransport(record))
    assert [s["name"] for s in reader.list(client.path("systems"), limit=3)] == [
        "a-bot",
        "b-bot",
        "c-bot",
    ]
    assert [p["limit"] for p in seen] == ["2", "1"]
    assert "cursor" not in seen[0]
    assert seen[1]["cursor"]
