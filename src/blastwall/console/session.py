"""Console sessions: a signed, expiring cookie naming a token, re-checked on every request.

The cookie holds the token's row id, a random CSRF value and the time of login, signed
with ``BLASTWALL_CONSOLE_SESSION_SECRET`` (itsdangerous, HMAC-SHA-1 over a derived key):
never the token's secret. Each request loads the token again, so a revoked token ends
its console sessions at once, and a role changed by re-issuing a token takes effect on
the next page.

CSRF: the cookie is ``SameSite=Strict`` (browsers do not send it on cross-site requests),
every POST must carry the session's CSRF value (a hidden form field, or the
``X-CSRF-Token`` header htmx sends), and a POST whose ``Origin`` header names another
site is refused. Three independent locks, so one browser bug does not open the door.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access import service as access
from blastwall.access.enums import Role
from blastwall.access.models import ApiToken
from blastwall.access.schemas import Actor
from blastwall.exceptions import Unauthorized

COOKIE = "blastwall_console"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_SALT = "blastwall.console.session"


@dataclass(frozen=True)
class ConsoleSession:
    """Who is logged in (re-read from the token) and the session's CSRF value."""

    actor: Actor
    csrf: str


class Signer:
    """Signs and reads session cookies; one per app (its secret may be per process)."""

    def __init__(self, secret: str | None, ttl_s: float) -> None:
        # Unset: a random secret per process; sessions end when the server restarts.
        self._serializer = URLSafeTimedSerializer(secret or secrets.token_hex(32), salt=_SALT)
        self.ttl_s = ttl_s

    def issue(self, token_id: int) -> str:
        """A new cookie value for the token with row id ``token_id``."""
        return self._serializer.dumps({"t": token_id, "c": secrets.token_urlsafe(24)})

    def read(self, value: str) -> tuple[int, str] | None:
        """(token id, CSRF value) of a valid, unexpired cookie; None otherwise."""
        try:
            data = self._serializer.loads(value, max_age=int(self.ttl_s))
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(data, dict):
            return None
        token_id, csrf = data.get("t"), data.get("c")
        if not isinstance(token_id, int) or not isinstance(csrf, str):
            return None
        return token_id, csrf


def login(session: Session, secret: str) -> ApiToken:
    """The live token whose secret was typed in, or Unauthorized saying how to get one."""
    try:
        actor = access.authenticate(session, secret.strip())
    except Unauthorized:
        raise Unauthorized(
            "that token is unknown or revoked; paste a token from `blastwall token create` "
            "(or the BLASTWALL_TOKEN that `make run` printed)"
        ) from None
    if actor.role is Role.alerts:
        raise Unauthorized(
            f"token {actor.name} may only send alerts; log in with a viewer token or higher"
        )
    token = session.scalar(select(ApiToken).where(ApiToken.name == actor.name))
    assert token is not None  # authenticate just found it
    return token


def resume(session: Session, signer: Signer, cookie: str | None) -> ConsoleSession | None:
    """The session a cookie stands for, if it is valid and its token is still live."""
    if not cookie:
        return None
    found = signer.read(cookie)
    if found is None:
        return None
    token_id, csrf = found
    token = session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None or token.role == Role.alerts.value:
        return None
    return ConsoleSession(Actor(name=token.name, role=Role(token.role)), csrf)


def csrf_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the session's CSRF value with the one a POST sent."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
