"""`systems` lists the inventory."""

from __future__ import annotations

import json

import httpx

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
