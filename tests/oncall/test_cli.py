"""`blastwall oncall now|override|list` against a live server, on both databases."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.config import Settings
from tests.cli.conftest import lines
from tests.conftest import make_token
from tests.oncall.factories import ONCALL_YAML, apply_text
from tests.oncall.test_api import ANA, AT, BEN, CEM
from tests.traces.factories import live_cli

Factory = sessionmaker[Session]


def test_now_json_override_and_list_from_the_terminal(
    settings: Settings, engine: Engine, session_factory: Factory
) -> None:
    apply_text(session_factory, ONCALL_YAML)
    rita = make_token(session_factory, "rita", Role.responder)
    with live_cli(settings, engine, rita) as cli:
        answered = cli("oncall", "now", "support-bot", "--at", AT, "--json")
        assert answered.exit_code == 0, answered.output
        primary = {
            "kind": "schedule",
            "name": "primary",
            "on_call": ANA,
            "next": {"at": "2026-03-23T08:00:00Z", "person": BEN},
        }
        assert json.loads(answered.stdout) == {
            "system": "support-bot",
            "severity": 1,
            "at": AT,
            "policy": "support",
            "pagerduty_service": None,
            "repeat": 2,
            "levels": [
                {"level": 1, "delay_minutes": 10, "people": [ANA], "targets": [primary]},
                {
                    "level": 2,
                    "delay_minutes": 20,
                    "people": [CEM, ANA],
                    "targets": [
                        {"kind": "person", "name": "cem", "on_call": CEM, "next": None},
                        primary,
                    ],
                },
            ],
        }

        shown = cli("oncall", "now", "support-bot", "--at", "2026-03-17T13:00:00+01:00")
        assert lines(shown.stdout) == [
            "support-bot, severity 1, at 2026-03-17 12:00:00 UTC: policy support, repeated 2 times",
            "LEVEL   PAGED AFTER   ON CALL           VIA                NEXT HAND-OFF (UTC)",
            "─" * 94,
            "1       0 min         Ana Lima (@ana)   schedule primary   2026-03-23 08:00:00: "
            "Ben Ode (@ben)",
            "2       10 min        Cem Kaya (@cem)   person cem         -",
            "2       10 min        Ana Lima (@ana)   schedule primary   2026-03-23 08:00:00: "
            "Ben Ode (@ben)",
        ]

        pagerduty = cli("oncall", "now", "support-bot", "--severity", "3", "--at", AT)
        assert lines(pagerduty.stdout) == [
            "support-bot, severity 3, at 2026-03-17 12:00:00 UTC: policy everyone-else pages "
            "PagerDuty service pd-ops, whose own on-call decides who"
        ]

        made = cli(
            "oncall", "override", "primary", "--person", "cem",
            "--from", "2099-01-01T09:00:00+01:00", "--to", "2099-01-01T17:00:00+01:00",
            "--reason", "ana is ill",
        )  # fmt: skip
        assert made.exit_code == 0, made.output
        assert lines(made.stdout) == [
            "Override #1: cem is on call for primary from 2099-01-01 08:00:00 to 2099-01-01 "
            "16:00:00 UTC."
        ]
        during = json.loads(
            cli("oncall", "now", "support-bot", "--at", "2099-01-01T12:00:00Z", "--json").stdout
        )
        assert during["levels"][0]["people"] == [CEM]
        cancelled = cli("oncall", "cancel-override", "primary", "1", "--reason", "ana is back")
        assert lines(cancelled.stdout) == ["Cancelled override #1 of primary."]
        after = json.loads(
            cli("oncall", "now", "support-bot", "--at", "2099-01-01T12:00:00Z", "--json").stdout
        )
        assert after["levels"][0]["people"] == [ANA]  # week 3798 of the rotation: even, ana

        listed = lines(cli("oncall", "list").stdout)
        assert listed[0].split() == ["PERSON", "NAME", "HANDLE", "E-MAIL", "SLACK", "PHONE"]
        assert listed[2].split() == ["ana", "Ana", "Lima", "@ana", "ana@example.com", "-", "-"]
        assert "primary    Europe/Berlin   layer-1: ana > ben weekly" in listed
        assert listed[-2:] == [
            "support           support-bot   1, 2",
            "everyone-else     all           all",
        ]


def test_bad_input_gets_one_line_that_says_how_to_fix_it(
    settings: Settings, engine: Engine, session_factory: Factory
) -> None:
    apply_text(session_factory, ONCALL_YAML)
    rita = make_token(session_factory, "rita", Role.responder)
    with live_cli(settings, engine, rita) as cli:
        naive = cli("oncall", "now", "support-bot", "--at", "2026-03-17 12:00")
        assert naive.exit_code == 2
        assert lines(naive.stderr) == [
            "Error: Invalid value for '--at': '2026-03-17 12:00' is not a time with a UTC "
            "offset: write e.g. 2026-03-17T12:00:00Z or 2026-03-17T13:00:00+01:00 (see "
            "`blastwall oncall now --help`)"
        ]
        unknown = cli("oncall", "now", "support-bto")
        assert unknown.exit_code == 1
        assert lines(unknown.stderr) == [
            "Error: no system named 'support-bto'; `blastwall systems` lists the systems"
        ]
        nobody = cli(
            "oncall", "override", "primary", "--person", "zed",
            "--from", "2099-01-01T09:00:00Z", "--to", "2099-01-01T17:00:00Z", "--reason", "x",
        )  # fmt: skip
        assert nobody.exit_code == 1
        assert lines(nobody.stderr) == [
            "Error: person: 'zed' is not declared under oncall.people; fix the name or add the "
            "person to blastwall.yaml and apply it"
        ]
