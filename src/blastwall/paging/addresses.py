"""Where a person is paged: each contact method mapped to a configured channel.

- ``email``: the first e-mail channel (by name) that can send, with the person's address
  as the recipient (the channel's SMTP server and sender, the person's ``To``).
- ``slack_user``: the first Slack channel that can send, mentioning ``<@USERID>``.
- ``pagerduty_service``: that PagerDuty channel (its service's own on-call decides who).
- ``pagerduty_routing_key_env``: the first PagerDuty channel, sending to the person's own
  routing key (the recipient names the variable that holds it; the dispatcher reads it).

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


def _first(session: Session, type_: ChannelType, *, can_send: bool) -> str | None:
    rows = session.scalars(
        select(NotifyChannel).where(NotifyChannel.type == type_.value).order_by(NotifyChannel.name)
    )
    for row in rows:
        if not can_send or not isinstance(factory.resolve(row.settings), factory.Disabled):
            return row.name
    return None


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
        add("e-mail", _first(session, ChannelType.email, can_send=True), person.email)
    if person.slack_user:
        add("slack", _first(session, ChannelType.slack, can_send=True), person.slack_user)
    if person.pagerduty_service:
        known = session.scalar(
            select(NotifyChannel.name).where(NotifyChannel.name == person.pagerduty_service)
        )
        add("pagerduty", known, "")
    elif person.pagerduty_routing_key_env:
        channel = _first(session, ChannelType.pagerduty, can_send=False)
        add("pagerduty", channel, person.pagerduty_routing_key_env)
    return found, missing
