"""Where a person is paged: each contact method mapped to a configured channel.

- ``email``: the first e-mail channel (by name) that can send, with the person's address
  as the recipient (the channel's SMTP server and sender, the person's ``To``).
- ``slack_user``: the first Slack channel that can send, mentioning ``<@USERID>``.
- ``pagerduty_service``: that PagerDuty channel, if it can send (its service's own on-call
  decides who).
- ``pagerduty_routing_key_env``: the first PagerDuty channel, sending to the person's own
  routing key (the recipient names the variable that holds it; the dispatcher reads it),
  if that variable is set.

"Can send" means every environment variable the channel names is set on this server, so
an example file that declares every kind of channel pages nobody until one is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.notify import factory
from blastwall.notify.enums import ChannelType
from blastwall.notify.models import NotifyChannel
from blastwall.oncall.models import Person


@dataclass(frozen=True)
class Address:
    """One page to send: on ``channel``, to ``recipient`` ('' for the channel's own target)."""

    method: str
    channel: str
    recipient: str


def _can_send(settings: dict[str, object]) -> bool:
    return not isinstance(factory.resolve(settings), factory.Disabled)


def _first(session: Session, type_: ChannelType) -> str | None:
    rows = session.scalars(
        select(NotifyChannel).where(NotifyChannel.type == type_.value).order_by(NotifyChannel.name)
    )
    return next((row.name for row in rows if _can_send(row.settings)), None)


def sending(session: Session, name: str) -> str | None:
    """``name`` if that channel is configured and can send, else None."""
    row = session.scalar(select(NotifyChannel).where(NotifyChannel.name == name))
    return row.name if row is not None and _can_send(row.settings) else None


def _first_pagerduty(session: Session, key_env: str) -> str | None:
    """The first PagerDuty channel, when the person's own key variable is set."""
    if not _can_send({"routing_key_env": key_env}):
        return None
    return session.scalar(
        select(NotifyChannel.name)
        .where(NotifyChannel.type == ChannelType.pagerduty.value)
        .order_by(NotifyChannel.name)
        .limit(1)
    )


def of(session: Session, person: Person) -> tuple[list[Address], list[str]]:
    """The addresses ``person`` is paged at, and each method that has no channel to go by."""
    found: list[Address] = []
    missing: list[str] = []

    def add(method: str, channel: str | None, recipient: str) -> None:
        if channel is None:
            missing.append(method)
        else:
            found.append(Address(method, channel, recipient))

    if person.email:
        add("e-mail", _first(session, ChannelType.email), person.email)
    if person.slack_user:
        add("slack", _first(session, ChannelType.slack), person.slack_user)
    if person.pagerduty_service:
        add("pagerduty", sending(session, person.pagerduty_service), "")
    elif person.pagerduty_routing_key_env:
        key_env = person.pagerduty_routing_key_env
        add("pagerduty", _first_pagerduty(session, key_env), key_env)
    return found, missing
