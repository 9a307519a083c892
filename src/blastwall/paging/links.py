"""Signed acknowledge links: a page carries a URL that lets its person acknowledge the incident.

The token is signed with ``BLASTWALL_ACK_LINK_SECRET`` (HMAC-SHA256, itsdangerous) over the
incident id, the person and the time it was made; it is refused once older than
``BLASTWALL_ACK_LINK_TTL_S`` or when any character of it changed. Without a secret, pages
carry no link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from blastwall.config import Settings
from blastwall.exceptions import Forbidden

SALT = "blastwall.ack-link"


@dataclass(frozen=True)
class AckGrant:
    """What a valid token allows: ``person`` may acknowledge incident ``incident_id``."""

    incident_id: int
    person: str


class _Signer(TimestampSigner):
    """itsdangerous' timestamp signer on a given clock: a link made for a page at ``at`` is
    signed as of then, so its expiry counts from the page (and tests fix the clock)."""

    def __init__(self, secret: str, at: datetime) -> None:
        super().__init__(secret, salt=SALT)
        self._at = at

    def get_timestamp(self) -> int:
        return int(self._at.timestamp())


def _signer(settings: Settings, at: datetime) -> _Signer | None:
    if settings.ack_link_secret is None:
        return None
    return _Signer(settings.ack_link_secret.get_secret_value(), at)


def url(settings: Settings, incident_id: int, person: str, at: datetime) -> str | None:
    """The acknowledge link for ``person`` paged at ``at``; None without a secret."""
    signer = _signer(settings, at)
    if signer is None:
        return None
    # Person names are slugs (no ':'), so "ID:PERSON" splits back unambiguously.
    token = signer.sign(f"{incident_id}:{person}").decode()
    return f"{settings.public_url}/ack/{token}"


def verify(settings: Settings, token: str, now: datetime) -> AckGrant:
    """The grant ``token`` carries; Forbidden saying why when it is not (any longer) valid."""
    signer = _signer(settings, now)
    if signer is None:
        raise Forbidden(
            "acknowledge links are turned off on this server (BLASTWALL_ACK_LINK_SECRET is "
            "unset): acknowledge with `blastwall incident ack ID`"
        )
    try:
        raw = signer.unsign(token, max_age=int(settings.ack_link_ttl_s)).decode()
    except SignatureExpired:
        raise Forbidden(
            f"this acknowledge link expired (links are valid {settings.ack_link_ttl_s / 3600:g} "
            "h after the page): acknowledge with `blastwall incident ack ID`"
        ) from None
    except BadSignature:
        raise Forbidden(
            "this acknowledge link is not valid (changed, or signed with another secret): open "
            "the link from the page exactly, or acknowledge with `blastwall incident ack ID`"
        ) from None
    incident, _, person = raw.partition(":")
    return AckGrant(int(incident), person)
