"""`token create` works on the database before any server runs; list/revoke/whoami use the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service
from blastwall.access.enums import Role
from blastwall.changes.audit import key_id
from blastwall.changes.models import AuditEntry
from blastwall.db.session import make_session_factory, unit_of_work
from tests.cli.conftest import Invoke, invoke, lines
from tests.conftest import SETUP_ACTOR


def test_first_admin_token_is_created_on_the_database(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    result = invoke("token", "create", "--name", "root", "--role", "admin", "--db", database_url)
    assert result.exit_code == 0, result.output
    announce, secret = lines(result.stdout)
    assert announce == ("Created admin token 'root'. Store the secret now; it is not shown again:")
    with session_factory() as session:
        assert service.authenticate(session, secret).role is Role.admin


def test_first_admin_token_is_audited_as_the_local_user(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "dana")
    monkeypatch.setenv("USER", "dana")
    result = invoke("token", "create", "--name", "root", "--role", "admin", "--db", database_url)
    assert result.exit_code == 0, result.output
    with session_factory() as session:
        entries = session.scalars(select(AuditEntry)).all()
        assert [(e.seq, e.actor, e.role, e.action, e.target) for e in entries] == [
            (1, "local:dana", "admin", "token.create", "root")
        ]


def test_token_create_refuses_to_break_a_keyed_log(
    database_url: str, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    key = "k" * 32
    with unit_of_work(make_session_factory(engine, audit_key=key.encode())) as session:
        service.create(session, name="root", role=Role.admin, actor=SETUP_ACTOR)
    result = invoke("token", "create", "--name", "bob", "--role", "viewer", "--db", database_url)
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: the audit log is keyed with key id {key_id(key.encode())}, but this process "
        "has no key: set BLASTWALL_AUDIT_HMAC_KEY to the server's key and run again (a token "
        "created without it would break `blastwall audit verify`)\n",
    )
    env = {"BLASTWALL_AUDIT_HMAC_KEY": key}
    args = ("token", "create", "--name", "bob", "--role", "viewer", "--db", database_url)
    assert invoke(*args, env=env).exit_code == 0
    with session_factory() as session:
        assert [t.name for t in service.list_(session).items] == ["root", "bob"]


def test_token_create_reads_the_database_from_the_environment(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    env = {"BLASTWALL_DATABASE_URL": database_url}
    result = invoke("token", "create", "--name", "ci-bot", "--role", "viewer", "--json", env=env)
    created = json.loads(result.stdout)
    assert (created["name"], created["role"], created["revoked_at"]) == ("ci-bot", "viewer", None)
    assert created["token"].startswith(created["prefix"])
    with session_factory() as session:
        assert service.authenticate(session, created["token"]).name == "ci-bot"


def test_token_create_migrates_a_new_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh/blastwall.db"
    result = invoke("token", "create", "--name", "root", "--role", "admin", "--db", url)
    assert result.exit_code == 0, result.output
    again = invoke("token", "create", "--name", "root", "--role", "admin", "--db", url)
    assert (again.exit_code, again.stderr) == (
        1,
        "Error: a token named 'root' exists; pick another name or revoke it first\n",
    )


def test_bad_role_lists_the_roles() -> None:
    result = invoke("token", "create", "--name", "bob", "--role", "boss")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Invalid value for '--role': 'boss' is not one of 'alerts', 'viewer', 'responder', "
        "'commander', 'admin'. (see `blastwall token create --help`)\n"
    )


def test_bad_name_says_what_a_name_may_hold(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/blastwall.db"
    result = invoke("token", "create", "--name", "Bob Smith", "--role", "viewer", "--db", url)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: token name 'Bob Smith' is invalid: use 1-100 lower-case letters, digits, '.', "
        "'_', '@' or '-', starting with a letter or digit\n"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://db/blastwall",
            "invalid settings: database_url: BLASTWALL_DATABASE_URL must start with sqlite:/// "
            "or postgresql+psycopg:// (got 'mysql')",
        ),
        (
            "postgresql://bw:hunter2@127.0.0.1:1/blastwall",
            "cannot open the database postgresql+psycopg://bw:***@127.0.0.1:1/blastwall: "
            'connection failed: connection to server at "127.0.0.1", port 1 failed: '
            "Connection refused; check --db or BLASTWALL_DATABASE_URL",
        ),
    ],
)
def test_unusable_database_is_named_without_its_password(url: str, message: str) -> None:
    result = invoke("token", "create", "--name", "root", "--role", "admin", "--db", url)
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")


def test_list_revoke_and_whoami_through_the_api(
    cli: Invoke, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        _, secret = service.create(session, name="ci-bot", role=Role.responder, actor=SETUP_ACTOR)
    assert lines(cli("whoami", token=secret).stdout)[0].startswith("ci-bot (responder) at http")
    table = lines(cli("token", "list").stdout)
    assert [row.split()[:2] for row in table[2:]] == [["root", "admin"], ["ci-bot", "responder"]]
    assert lines(cli("token", "revoke", "ci-bot").stdout) == ["Revoked token 'ci-bot'."]
    refused = cli("whoami", token=secret)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "Error: API token is unknown or revoked; create one with `blastwall token create`\n"
    )
