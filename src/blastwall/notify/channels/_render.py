"""Wording every channel shares, so Slack, e-mail and PagerDuty say the same facts alike."""

from __future__ import annotations

from datetime import UTC, datetime

from blastwall.notify.message import Message

# Shown where a fact is unknown, rather than an empty cell a reader might misread as "none".
UNKNOWN = "—"


def severity_label(severity: int | None) -> str:
    """``SEV1``.. for an incident's severity; ``SEV?`` when the message has none."""
    return f"SEV{severity}" if severity is not None else "SEV?"


def when(at: datetime | None) -> str:
    """A time as people read it in a message: ``2026-12-06 19:30 UTC``."""
    if at is None:
        return UNKNOWN
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def rfc3339(at: datetime) -> str:
    """``at`` as RFC 3339 with its offset; a naive time is taken as UTC (the store's zone)."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).isoformat()


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str) -> str:
    """``text`` with line breaks folded to spaces, for subjects and headers."""
    return " ".join(text.split())


def headline(message: Message) -> str:
    """``SEV1 support-bot: Incident opened: answers leak PII``: who, what, how bad, at a glance."""
    where = f" {message.system}" if message.system else ""
    return one_line(f"{severity_label(message.severity)}{where}: {message.title}")


def facts(message: Message) -> list[tuple[str, str]]:
    """The incident's state in a fixed order: what every channel with room for it shows."""
    system = message.system or UNKNOWN
    if message.system and message.environment:
        system = f"{message.system} ({message.environment})"
    return [
        ("Severity", severity_label(message.severity) if message.severity else UNKNOWN),
        ("System", system),
        ("Status", message.status or UNKNOWN),
        ("Levers pulled", ", ".join(message.levers) if message.levers else "none"),
        ("Commander", message.commander or "nobody yet"),
        ("Next update due", when(message.next_update_due)),
    ]


def plain_text(message: Message) -> str:
    """The message as plain text: the e-mail body, and the ledger's text for a channel that
    cannot transcribe itself."""
    lines = [message.title, ""]
    if message.summary.strip():
        lines += [message.summary, ""]
    lines += [f"{label}: {value}" for label, value in facts(message)]
    by = f" by {message.actor}" if message.actor else ""
    lines += ["", f"{message.event}{by} at {when(message.at)}"]
    lines += [f"{link.text}: {link.href}" for link in message.links]
    return "\n".join(lines) + "\n"
