"""Create, list, revoke and authenticate API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.models import ApiToken
from blastwall.access.schemas import NAME_PATTERN, Actor
from blastwall.changes import Change, audit, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized

TOKEN_PREFIX = "bw_"  # noqa: S105  (a public marker, not a secret)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(session: Session, *, name: str, role: Role | str, actor: Actor) -> tuple[ApiToken, str]:
    """Create a token and audit who did (``token.create``); returns the row and the secret.

    The secret is never stored, only its hash; the audit entry records the token's prefix
    so an entry can be matched to a secret someone holds.
    """
    if not re.fullmatch(NAME_PATTERN, name):
        raise InvalidInput(
            f"token name {name!r} is invalid: use 1-100 lower-case letters, digits, '.', '_', "
            "'@' or '-', starting with a letter or digit"
        )
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role {role!r} is unknown: choose one of {choices}") from None
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise Conflict(f"a token named {name!r} exists; pick another name or revoke it first")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role.value, token_hash=_hash(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    record(
        session,
        Change(
            actor=actor,
            action="token.create",
            target=name,
            after={"role": role.value, "prefix": token.prefix},
        ),
    )
    return token, secret


def list_(session: Session, page: PageQuery | None = None) -> Page[ApiToken]:
    """Tokens (revoked ones too), oldest first."""
    return paginate(session, select(ApiToken), keys=[ApiToken.id], list_name="tokens", page=page)


def name_taken(session: Session, name: str) -> bool:
    """True if a token (revoked ones too) already has ``name``; names are never reused."""
    return session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None


def revoke(session: Session, name: str, *, actor: Actor) -> ApiToken:
    """Revoke a token and audit who did (``token.revoke``); revoking twice changes nothing."""
    # Locked before reading, so two concurrent revokes write one entry, not two.
    audit.lock(session)
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFound(f"no token named {name!r}; `blastwall token list` shows them")
    if token.revoked_at is not None:
        return token
    token.revoked_at = utcnow()
    record(
        session,
        Change(
            actor=actor,
            action="token.revoke",
            target=name,
            before={"role": token.role, "revoked": False},
            after={"role": token.role, "revoked": True},
        ),
    )
    return token


def authenticate(session: Session, secret: str | None) -> Actor:
    """Resolve a bearer secret to the actor it belongs to, or raise Unauthorized."""
    if not secret:
        raise Unauthorized(
            "missing API token: send 'Authorization: Bearer <token>' "
            "(the CLI reads BLASTWALL_TOKEN)"
        )
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None:
        raise Unauthorized(
            "API token is unknown or revoked; create one with `blastwall token create`"
        )
    return Actor(name=token.name, role=Role(token.role))


def require_role(actor: Actor, role: Role) -> None:
    """Raise Forbidden unless the actor's role is at least ``role``."""
    if not actor.role.at_least(role):
        raise Forbidden(
            f"{actor.name} has role {actor.role.value}; this needs {role.value} or higher"
        )
