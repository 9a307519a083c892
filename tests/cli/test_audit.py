"""`audit` lists the latest changes; `audit head` anchors the log; `audit verify` exits 1
naming the first altered or missing entry."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke, lines, make_system

HEADER = ["SEQ", "AT", "ACTOR", "ROLE", "ACTION", "TARGET", "REASON", "INCIDENT"]


def rows(stdout: str) -> list[list[str]]:
    """Table rows as words, without the timestamp (two words after SEQ)."""
    table = lines(stdout)
    assert table[1].split() == HEADER
    return [row.split()[:1] + row.split()[3:] for row in table[3:]]


def four_entries(cli: Invoke, api: httpx.Client) -> None:
    """token.create (the test's admin), system.create, lever.kill, lever.restore."""
    make_system(api)
    cli("kill", "support-bot", "--env", "prod", "-r", "refund spike")
    cli("restore", "support-bot", "--env", "prod", "-r", "fixed")


def test_audit_lists_the_latest_entries_newest_last(cli: Invoke, api: httpx.Client) -> None:
    four_entries(cli, api)
    result = cli("audit", "--limit", "2")
    assert lines(result.stdout)[0] == (
        "Latest 2 entries (seq 3-4), newest last; earlier ones: --after SEQ or --oldest"
    )
    assert rows(result.stdout) == [
        ["3", "root", "admin", "lever.kill", "support-bot/prod", "refund", "spike", "-"],
        ["4", "root", "admin", "lever.restore", "support-bot/prod", "fixed", "-"],
    ]
    everything = cli("audit")
    assert lines(everything.stdout)[0] == "Latest 4 entries (seq 1-4), newest last"
    assert rows(everything.stdout)[:2] == [
        ["1", "test-setup", "admin", "token.create", "root", "-", "-"],
        ["2", "root", "admin", "system.create", "support-bot", "-", "-"],
    ]
    latest = json.loads(cli("audit", "--limit", "1", "--json").stdout)
    assert [(e["seq"], e["action"]) for e in latest] == [(4, "lever.restore")]


def test_audit_pages_from_the_oldest_or_after_a_seq(cli: Invoke, api: httpx.Client) -> None:
    four_entries(cli, api)
    oldest = cli("audit", "--oldest", "--limit", "2")
    assert lines(oldest.stdout)[0] == (
        "2 entries after seq 0 (seq 1-2), oldest first; next page: --after 2"
    )
    assert [row[:4] for row in rows(oldest.stdout)] == [
        ["1", "test-setup", "admin", "token.create"],
        ["2", "root", "admin", "system.create"],
    ]
    after = cli("audit", "--after", "3")
    assert lines(after.stdout)[0] == "1 entry after seq 3 (seq 4), oldest first"
    page = json.loads(cli("audit", "--after", "1", "--limit", "1", "--json").stdout)
    assert [(e["seq"], e["action"]) for e in page] == [(2, "system.create")]
    both = cli("audit", "--oldest", "--after", "1")
    assert (both.exit_code, both.stderr) == (
        2,
        "Error: --oldest and --after both say where to start; give one of them\n",
    )


def test_verify_intact_chain(cli: Invoke, api: httpx.Client) -> None:
    make_system(api)
    cli("kill", "support-bot", "-r", "spike")
    result = cli("audit", "verify")
    assert (result.exit_code, result.stdout) == (0, "audit chain intact: 3 entries\n")
    assert json.loads(cli("audit", "verify", "--json").stdout) == {
        "ok": True,
        "entries": 3,
        "first_broken_seq": None,
        "problem": None,
        "counter": 3,
        "keyed_from_seq": None,
        "since_head": None,
    }


def test_verify_names_the_altered_entry_and_fails(
    cli: Invoke, api: httpx.Client, engine: Engine
) -> None:
    four_entries(cli, api)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET reason = 'nothing happened' WHERE seq = 3"))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout == "audit chain broken at entry 3: its content does not match its hash\n"
    as_json = cli("audit", "verify", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["first_broken_seq"] == 3


def test_verify_names_entries_cut_from_the_end(
    cli: Invoke, api: httpx.Client, engine: Engine
) -> None:
    four_entries(cli, api)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq >= 3"))
    result = cli("audit", "verify")
    assert (result.exit_code, result.stdout) == (
        1,
        "audit chain broken at entry 3: entries 3-4 are missing "
        "(the counter is at 4; the newest entry is 2)\n",
    )
    head = cli("audit", "head")
    assert head.exit_code == 1
    assert head.stderr == (
        "Error: the audit log was cut: its counter is at 4 but the newest entry is 2; run "
        "`blastwall audit verify` (do not keep this head)\n"
    )


def test_head_then_verify_since_head(cli: Invoke, api: httpx.Client, engine: Engine) -> None:
    make_system(api)
    head = cli("audit", "head")
    assert head.exit_code == 0
    kept = head.stdout.strip()
    seq, _, digest = kept.partition(":")
    assert (seq, len(digest)) == ("2", 64)
    assert json.loads(cli("audit", "head", "--json").stdout) == {
        "seq": 2,
        "hash": digest,
        "head": kept,
        "counter": 2,
    }
    cli("kill", "support-bot", "-r", "spike")
    confirmed = cli("audit", "verify", "--since-head", kept)
    assert (confirmed.exit_code, confirmed.stdout) == (
        0,
        f"audit chain intact: 3 entries; unchanged up to the kept head 2:{digest[:12]}...\n",
    )
    malformed = cli("audit", "verify", "--since-head", "2")
    assert (malformed.exit_code, malformed.stderr) == (
        1,
        "Error: since_head must be SEQ:HASH as printed by `blastwall audit head`, e.g. "
        f"17:{'3f' * 32}: a sequence number, a colon and 64 hex digits (got '2')\n",
    )
    unknown = cli("audit", "verify", "--since-head", f"7:{digest}")
    assert (unknown.exit_code, unknown.stdout) == (
        1,
        "audit chain broken at entry 7: the kept head is entry 7, but this log's counter is "
        "at 3: the head is from another database, or the log and its counter were rewound\n",
    )


def test_empty_audit_log(cli: Invoke, engine: Engine) -> None:
    with engine.begin() as conn:  # the test's admin token was audited; start from nothing
        conn.execute(text("DELETE FROM audit_entries"))
        conn.execute(text("UPDATE counters SET value = 0 WHERE name = 'audit_seq'"))
    assert lines(cli("audit").stdout) == ["No audit entries."]
    assert cli("audit", "head").stdout == f"0:{'0' * 64}\n"
