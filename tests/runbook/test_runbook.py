"""`blastwall runbook` and GET /systems/{name}/runbook on the shipped example: the exact
page, and every command it prints run as printed against a live server."""

from __future__ import annotations

import json
import shlex
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from tests.cli.conftest import lines
from tests.conftest import make_token
from tests.runbook.factories import AT, arrange
from tests.traces.factories import live_cli

Factory = sessionmaker[Session]
S = "support-agent"


def _lever(lever: str, does: str, argument: str | None, **extra: Any) -> dict[str, Any]:
    command = (
        f'blastwall kill {S} --env prod --reason "WHY"'
        if argument is None
        else f'blastwall contain {S} --lever {argument} --env prod --reason "WHY"'
    )
    fields = {"tool": None, "reversible": None, "sources": None} | extra
    return {"lever": lever, "does": does, "command": command, **fields}


def _tool(name: str, reversible: bool) -> dict[str, Any]:
    why = "" if reversible else " (irreversible: money or data cannot be recalled)"
    does = f"Stops the model calling {name}{why}."
    return _lever("disable_tool", does, f"disable-tool={name}", tool=name, reversible=reversible)


SOURCES = ["help-centre-articles", "refund-policy", "shipping-faq"]
EXPECTED = {
    "system": S,
    "description": "Answers customer tickets. A classifier routes each ticket to one of: "
    "general, refund, fraud, account_access. refund -> the refund flow (may call "
    "issue_refund); fraud -> account_hold and a human; account_access -> escalate_to_human.",
    "owner": "Dana Okafor (support-ml team)",
    "risk_tier": "high",
    "fallback": 'Tickets go to the human support queue; customers see "A member of our team '
    'will reply within 4 hours."',
    "environment": "prod",
    "environments": ["staging", "prod"],
    "levers": [
        _lever("kill", "Stops all AI output; users get the fallback.", None),
        _lever(
            "human_fallback",
            "Queues the work for a human instead of the model answering.",
            "human_fallback",
        ),
        _lever(
            "safe_mode",
            "Answers from the app's safe path: templated, retrieval-only or rule-based.",
            "safe_mode",
        ),
        _tool("issue_refund", False),
        _tool("account_hold", True),
        _tool("close_ticket", True),
        _tool("escalate_to_human", True),
        _tool("send_reply", True),
        _lever(
            "retrieval",
            "Retrieves only from the sources listed: delete the suspect ones first.",
            "retrieval=" + ",".join(SOURCES),
            sources=SOURCES,
        ),
    ],
    "restore": f'blastwall restore {S} --env prod --reason "WHY"',
    "rollback": [
        {
            "environment": "staging",
            "active": None,
            "known_good": "initial",
            "command": None,
            "note": "nothing is activated in staging yet: there is nothing to roll back",
        },
        {
            "environment": "prod",
            "active": "v2",
            "known_good": "initial",
            "command": f'blastwall rollback {S} --to initial --env prod --reason "WHY"',
            "note": "",
        },
    ],
    "on_call": {
        "policy": "support",
        "levels": [
            {
                "level": 1,
                "delay_minutes": 15,
                "people": [
                    {"name": "dana.okafor", "display_name": "Dana Okafor", "handle": "@dana"}
                ],
            },
            {
                "level": 2,
                "delay_minutes": 15,
                "people": [
                    {"name": "sam.adeyemi", "display_name": "Sam Adeyemi", "handle": "@sam"}
                ],
            },
        ],
    },
    "policies": [
        {
            "name": "kill-on-refusals",
            "mode": "enforce",
            "when": "alarm refusals",
            "does": f"kill {S} (prod)",
            "cooldown": 0,
            "max_per_hour": 3,
            "activations_last_hour": 0,
            "last_fired": None,
        },
        {
            "name": "safe-on-fraud",
            "mode": "observe",
            "when": "alarm fraud-share",
            "does": f"set safe_mode on {S} (prod)",
            "cooldown": 600,
            "max_per_hour": 3,
            "activations_last_hour": 0,
            "last_fired": None,
        },
    ],
    "policies_command": "blastwall policy list",
    "triage": {
        "first_question": "Are refunds going out that should not?",
        "command": "blastwall triage INCIDENT_ID",
    },
}


def commands(page: dict[str, Any]) -> list[str]:
    """Every command line the page prints, in page order (triage's needs an incident)."""
    found = [step["command"] for step in page["levers"]] + [page["restore"]]
    found.append(page["policies_command"])
    return found + [step["command"] for step in page["rollback"] if step["command"]]


def test_the_api_answers_the_example_runbook_exactly(
    client: TestClient, session_factory: Factory
) -> None:
    arrange(session_factory)
    response = client.get(f"/api/v1/systems/{S}/runbook", params={"at": AT})
    assert response.status_code == 200, response.text
    assert response.json() == EXPECTED
    missing = client.get("/api/v1/systems/nope/runbook")
    assert missing.status_code == 404


def test_every_printed_command_runs_as_printed_and_the_page_reads_in_a_terminal(
    settings: Settings, engine: Engine, session_factory: Factory
) -> None:
    arrange(session_factory)
    # A commander: the role the example's authority rules let pull every lever.
    cora = make_token(session_factory, "cora", Role.commander)
    with live_cli(settings, engine, cora) as cli:
        shown = cli("runbook", S, "--json")
        assert shown.exit_code == 0, shown.output
        page = json.loads(shown.stdout)
        assert {k: v for k, v in page.items() if k != "on_call"} == {
            k: v for k, v in EXPECTED.items() if k != "on_call"
        }
        for command in commands(page):
            words = shlex.split(command)
            assert words[0] == "blastwall"
            ran = cli(*words[1:])
            assert ran.exit_code == 0, f"{command}\n{ran.output}"
        levers = cli("levers", S, "--json")
        prod = next(s for s in json.loads(levers.stdout) if s["environment"] == "prod")
        assert prod["killed"] is False  # the last lever command was restore
        active = cli("release", "active", S, "--env", "prod", "--json")
        assert json.loads(active.stdout)["release"] == "initial"

        text = cli("runbook", S)
        assert text.exit_code == 0, text.output
        out = lines(text.stdout)
        assert out[0] == f"Runbook: {S} (high risk). Owner: Dana Okafor (support-ml team)"
        assert out[4] == "CONTAIN in prod (replace WHY with what you saw; add --incident ID)"
        assert out[5:7] == [
            "  kill: Stops all AI output; users get the fallback.",
            f'    blastwall kill {S} --env prod --reason "WHY"',
        ]
        rollback = out.index("ROLL BACK")
        assert out[rollback + 1 : rollback + 4] == [
            "  staging: nothing is activated in staging yet: there is nothing to roll back",
            "  prod: initial in force -> known-good initial (initial is already in force in prod)",
            f'    blastwall rollback {S} --to initial --env prod --reason "WHY"',
        ]
        policies = out.index(
            "POLICIES (act on their own as policy:NAME; change them in blastwall.yaml)"
        )
        assert out[policies + 1 : policies + 4] == [
            f"  kill-on-refusals [enforce]: when alarm refusals -> kill {S} (prod)"
            " (cooldown 0 s, at most 3/h, 0 in the last hour)",
            f"  safe-on-fraud [observe]: when alarm fraud-share -> set safe_mode on {S} (prod)"
            " (cooldown 600 s, at most 3/h, 0 in the last hour)",
            "    blastwall policy list",
        ]
        assert out[-2:] == [
            "  first question: Are refunds going out that should not?",
            "    blastwall triage INCIDENT_ID",
        ]
