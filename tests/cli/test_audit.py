"""`audit` lists who changed what; `audit verify` exits 1 naming the first altered entry."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke, lines, make_system


def test_audit_lists_changes_in_order(cli: Invoke, api: httpx.Client) -> None:
    make_system(api)
    cli("kill", "support-bot", "--env", "prod", "-r", "refund spike")
    cli("restore", "support-bot", "--env", "prod", "-r", "fixed")
    table = lines(cli("audit").stdout)
    header = ["SEQ", "AT", "ACTOR", "ROLE", "ACTION", "TARGET", "REASON", "INCIDENT"]
    assert table[0].split() == header
    # Columns after the timestamp (two words): actor, role, action, target, reason...
    assert [row.split()[:1] + row.split()[3:] for row in table[2:]] == [
        ["1", "root", "admin", "system.create", "support-bot", "-", "-"],
        ["2", "root", "admin", "lever.kill", "support-bot/prod", "refund", "spike", "-"],
        ["3", "root", "admin", "lever.restore", "support-bot/prod", "fixed", "-"],
    ]
    page = json.loads(cli("audit", "--after", "1", "--limit", "1", "--json").stdout)
    assert [(e["seq"], e["action"]) for e in page] == [(2, "lever.kill")]


def test_verify_intact_chain(cli: Invoke, api: httpx.Client) -> None:
    make_system(api)
    cli("kill", "support-bot", "-r", "spike")
    result = cli("audit", "verify")
    assert (result.exit_code, result.stdout) == (0, "audit chain intact: 2 entries\n")
    assert json.loads(cli("audit", "verify", "--json").stdout) == {
        "ok": True,
        "entries": 2,
        "first_broken_seq": None,
        "problem": None,
    }


def test_verify_names_the_altered_entry_and_fails(
    cli: Invoke, api: httpx.Client, engine: Engine
) -> None:
    make_system(api)
    cli("kill", "support-bot", "-r", "spike")
    cli("restore", "support-bot", "-r", "fixed")
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = 2"))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout == "audit chain broken at entry 2: its content does not match its hash\n"
    as_json = cli("audit", "verify", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["first_broken_seq"] == 2


def test_empty_audit_log(cli: Invoke) -> None:
    assert lines(cli("audit").stdout) == ["No audit entries."]
