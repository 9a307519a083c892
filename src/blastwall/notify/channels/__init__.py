"""Channel types, one file each: PagerDuty Events v2, Slack, CloudEvents webhook, e-mail.

:data:`REGISTRY` maps the ``type`` a route names in ``blastwall.yaml`` to its class; each
class is built from plain values (URLs and secrets already read from the environment).
"""

from __future__ import annotations

from blastwall.notify.channels.base import Channel
from blastwall.notify.channels.email import EmailChannel
from blastwall.notify.channels.pagerduty import PagerDutyChannel
from blastwall.notify.channels.slack import SlackChannel
from blastwall.notify.channels.webhook import WebhookChannel

# Typed as the protocol so mypy proves every class implements Channel.
_TYPES: tuple[type[Channel], ...] = (PagerDutyChannel, SlackChannel, WebhookChannel, EmailChannel)

REGISTRY: dict[str, type[EmailChannel | PagerDutyChannel | SlackChannel | WebhookChannel]] = {
    cls.type: cls for cls in (PagerDutyChannel, SlackChannel, WebhookChannel, EmailChannel)
}

__all__ = ["REGISTRY", "EmailChannel", "PagerDutyChannel", "SlackChannel", "WebhookChannel"]
