"""One fixed Message to render, so each channel's test can assert its whole payload."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from blastwall.notify.message import Link, Message

AT = datetime(2026, 12, 6, 19, 30, tzinfo=UTC)
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"


def make_message(**changes: Any) -> Message:
    """An opened SEV1 privacy incident whose summary carries markup that must stay text."""
    message = Message(
        event="incident.opened",
        key="incident-42",
        change_seq=7,
        at=AT,
        title="Incident opened: answers leak PII",
        summary="The bot quoted <other> customers' e-mails & phones. <!channel>",
        system="support-bot",
        environment="prod",
        incident_id=42,
        severity=1,
        incident_class="privacy",
        status="detected",
        commander="ana",
        levers=["kill:support-bot"],
        next_update_due=datetime(2026, 12, 6, 20, 0, tzinfo=UTC),
        actor="monitor:pii-rate",
        links=[Link(href="https://blastwall.example/incidents/42", text="Open incident 42")],
        details={"alarm_id": 9},
    )
    return replace(message, **changes)
