"""Slack incoming webhooks: a Block Kit message with a plain ``text`` fallback.

The blocks: a header (the title), the summary, the incident's facts as fields (severity,
system, status, levers pulled, commander, next update due), a context line (what happened,
who did it, when), and buttons for the message's links (the incident page). ``text`` is what
Slack shows in notifications and where blocks cannot be drawn.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from blastwall.notify.channels import _http
from blastwall.notify.channels._render import facts, headline, one_line, truncate, when
from blastwall.notify.channels.base import Outcome
from blastwall.notify.message import Message

# Block Kit limits (api.slack.com/reference/block-kit/blocks): past them Slack answers 400.
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELD = 2000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_URL = 3000
MAX_BUTTONS = 5
MAX_TEXT = 3000


def escape(text: str) -> str:
    """Slack mrkdwn escaping: ``&``, ``<`` and ``>`` would otherwise form links and mentions
    (``<!channel>`` pings everyone), so user text can never do either."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackChannel:
    """Posts to one Slack incoming webhook (the URL is the secret: never printed)."""

    type: ClassVar[str] = "slack"

    def __init__(self, name: str, webhook_url: str, *, timeout_s: float = 10.0) -> None:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                f"channel {name!r}: the Slack webhook URL must be an http(s) URL such as "
                "https://hooks.slack.com/services/...; check the environment variable the "
                "channel names"
            )
        self.name = name
        self._url = webhook_url
        _http.hide(webhook_url, _http.redact_url(webhook_url))
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def render(self, message: Message) -> dict[str, Any]:
        """The webhook body: ``text`` fallback and ``blocks``."""
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": truncate(one_line(message.title) or "Blastwall", MAX_HEADER),
                },
            }
        ]
        if message.summary.strip():
            blocks.append(_mrkdwn_section(truncate(escape(message.summary), MAX_SECTION_TEXT)))
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": truncate(f"*{label}*\n{escape(value)}", MAX_FIELD)}
                    for label, value in facts(message)
                ],
            }
        )
        by = f" by {message.actor}" if message.actor else ""
        context = f"{message.event}{by} · {when(message.at)}"
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": truncate(escape(context), MAX_FIELD)}],
            }
        )
        buttons = [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": truncate(link.text, MAX_BUTTON_TEXT)},
                "url": link.href,
            }
            for link in message.links
            # Slack refuses the whole message for a button URL it cannot open.
            if link.href.startswith(("https://", "http://")) and len(link.href) <= MAX_BUTTON_URL
        ][:MAX_BUTTONS]
        if buttons:
            blocks.append({"type": "actions", "elements": buttons})
        # Slack reads ``text`` as mrkdwn too: unescaped, a title could ping the channel.
        text = escape(headline(message))
        if message.recipient:
            # A page mentions its person, who Slack then notifies; the id is checked to be a
            # Slack user id (U.../W...) when the on-call section is read, so it cannot inject.
            mention = f"<@{message.recipient}>"
            text = f"{mention} {text}"
            blocks.insert(1, _mrkdwn_section(f"{mention}, you are paged"))
        return {"text": truncate(text, MAX_TEXT), "blocks": blocks}

    def transcript(self, message: Message, *, idempotency_key: str) -> str:
        """The exact JSON body posted (the URL, the secret, is not in it)."""
        return json.dumps(self.render(message))

    def send(self, message: Message, *, idempotency_key: str) -> Outcome:
        """Post the message; Slack has no idempotency key, so a retried post may show twice
        only if Slack accepted the first and its answer was lost."""
        return _http.post(
            self._client,
            self._url,
            content=json.dumps(self.render(message)).encode(),
            headers={"Content-Type": "application/json"},
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
