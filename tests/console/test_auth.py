"""Console login: a token in, a signed HttpOnly SameSite=Strict cookie out, re-checked on
every request; CSRF and origin checks on every POST."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.config import Settings
from blastwall.console.session import Signer
from tests.conftest import SETUP_ACTOR, make_token
from tests.console.conftest import login


def test_no_session_gets_the_login_page_and_a_bad_token_says_how_to_get_one(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    first = app_client.get("/", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/login?next=/")
    assert 'name="token"' in app_client.get("/login").text

    refused = app_client.post("/login", data={"token": "bw_nope"}, follow_redirects=False)
    assert refused.status_code == 401
    assert "that token is unknown or revoked; paste a token from `blastwall token create`" in (
        refused.text.replace("&#96;", "`")
    )
    alerts = make_token(session_factory, "am", Role.alerts)
    only_alerts = app_client.post("/login", data={"token": alerts}, follow_redirects=False)
    assert only_alerts.status_code == 401
    assert "token am may only send alerts" in only_alerts.text


def test_login_sets_a_strict_http_only_cookie_and_revoking_the_token_logs_out(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    secret = make_token(session_factory, "vic", Role.viewer)
    response = app_client.post(
        "/login", data={"token": secret, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"  # never an off-site redirect
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age=43200" in cookie
    assert secret not in cookie  # the cookie names the token's row, never its secret
    assert "vic" in app_client.get("/").text

    with session_factory() as session, session.begin():
        access.revoke(session, "vic", actor=SETUP_ACTOR)
    after = app_client.get("/", follow_redirects=False)
    assert (after.status_code, after.headers["location"]) == (303, "/login?next=/")


def test_logout_needs_the_csrf_value_and_ends_the_session(
    app_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    csrf = login(app_client, make_token(session_factory, "vic", Role.viewer))
    stale = app_client.post("/logout", data={"csrf": "wrong"})
    assert stale.status_code == 403
    assert "CSRF check failed" in stale.text
    foreign = app_client.post(
        "/logout", data={"csrf": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    out = app_client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_a_cookie_signed_with_another_secret_or_expired_is_no_session() -> None:
    ours, theirs = Signer("a" * 32, ttl_s=60), Signer("b" * 32, ttl_s=60)
    assert ours.read(theirs.issue(7)) is None
    value = ours.issue(7)
    found = ours.read(value)
    assert found is not None
    assert found[0] == 7
    assert Signer("a" * 32, ttl_s=-1).read(value) is None
    assert ours.read("not-a-cookie") is None


def test_a_short_session_secret_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(ValueError, match="BLASTWALL_CONSOLE_SESSION_SECRET must be at least 32"):
        Settings(console_session_secret="short")
