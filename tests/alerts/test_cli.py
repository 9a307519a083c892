"""`blastwall token create am --role alerts`, as docs/alerts.md tells a user to run it."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service
from blastwall.access.enums import Role
from tests.cli.conftest import invoke, lines


def test_an_alerts_token_is_created_with_the_name_as_an_argument(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    result = invoke("token", "create", "am", "--role", "alerts", "--db", database_url)
    assert result.exit_code == 0, result.output
    announce, secret = lines(result.stdout)
    assert announce == "Created alerts token 'am'. Store the secret now; it is not shown again:"
    with session_factory() as session:
        actor = service.authenticate(session, secret)
        assert (actor.name, actor.role) == ("am", Role.alerts)


def test_a_name_given_twice_or_not_at_all_is_refused() -> None:
    for args in (("am", "--name", "am"), ()):
        result = invoke("token", "create", *args, "--role", "alerts", "--db", "sqlite://")
        assert result.exit_code == 2
        assert "give the token's name once: `blastwall token create NAME --role ROLE`" in (
            result.output
        )
