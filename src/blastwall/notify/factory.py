"""Channel objects from a configured channel and the environment, by type.

The configuration names environment variables; this is the one place their values are
read, right before a channel is built, so a secret is never stored or shown. A channel
whose variable is unset is *disabled*, with the reason, never an error at startup: the
example file declares every kind of channel and ``make run`` pages nobody.

``BUILDERS`` maps a channel type to a function building it from resolved values. Tests
(and a deployment adding its own type) replace an entry.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from blastwall.config import get_settings
from blastwall.notify.channels import EmailChannel, PagerDutyChannel, SlackChannel, WebhookChannel
from blastwall.notify.channels.base import Channel
from blastwall.notify.enums import ChannelType

Builder = Callable[[str, Mapping[str, Any]], Channel]
"""(channel name, settings with each ``*_env`` replaced by its value) -> a channel."""


@dataclass(frozen=True)
class Disabled:
    """A configured channel that cannot send, and why (shown by `blastwall notify channels`)."""

    reason: str
    short: str = ""
    """The reason in a few words, for one-line listings (a plan step)."""


def _pagerduty(name: str, values: Mapping[str, Any]) -> Channel:
    url = get_settings().pagerduty_events_url
    return PagerDutyChannel(name, values["routing_key"], url)


def _slack(name: str, values: Mapping[str, Any]) -> Channel:
    return SlackChannel(name, values["webhook_url"])


def _webhook(name: str, values: Mapping[str, Any]) -> Channel:
    return WebhookChannel(name, values["url"], values["secret"])


def _email(name: str, values: Mapping[str, Any]) -> Channel:
    return EmailChannel(name, **values)


BUILDERS: dict[str, Builder] = {
    ChannelType.pagerduty: _pagerduty,
    ChannelType.slack: _slack,
    ChannelType.webhook: _webhook,
    ChannelType.email: _email,
}


def resolve(
    settings: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> dict[str, Any] | Disabled:
    """``settings`` with each ``x_env`` variable name replaced by ``x`` and its value."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, value in settings.items():
        if not key.endswith("_env"):
            values[key] = value
        elif value is None:
            values[key.removesuffix("_env")] = None
        elif not environ.get(value):
            return Disabled(
                f"environment variable {value} is not set on the server", f"{value} unset"
            )
        else:
            values[key.removesuffix("_env")] = environ[value]
    return values


def build(
    name: str,
    type_: str,
    settings: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> Channel | Disabled:
    """The channel ``name`` ready to send, or why it cannot."""
    values = resolve(settings, environ)
    if isinstance(values, Disabled):
        return values
    builder = BUILDERS.get(type_)
    if builder is None:
        return Disabled(f"channel type {type_!r} is not supported by this server")
    try:
        return builder(name, values)
    except ValueError as exc:
        # A value the channel refuses (a routing key of the wrong length, a URL that is not
        # http(s)): the channels' messages name the variable, never the secret.
        return Disabled(str(exc), "invalid value")
