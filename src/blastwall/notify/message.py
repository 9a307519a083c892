"""What a notification says, independent of the channel that carries it.

The outbox stores a :class:`Message` as JSON (``to_json``/``from_json``) in the same
transaction as the change that caused it; a channel turns it into its own wire format
when the dispatcher delivers it, so a message keeps its content across restarts and
retries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class Message:
    """One thing to tell people about, rendered by each channel in its own format.

    ``event`` is the change's action (``incident.opened``, ``incident.acknowledged``,
    ``incident.resolved``, ``lever.kill``, ``release.rollback``, ``page`` ...);
    ``key`` is stable per incident (or per subject when there is no incident) so channels
    that deduplicate (PagerDuty's ``dedup_key``) fold every message of one incident into one
    alert; ``change_seq`` is the audit sequence of the change that caused the message, which
    with the channel name makes delivery idempotent.
    """

    event: str
    key: str
    change_seq: int
    at: datetime
    title: str
    summary: str
    system: str | None = None
    environment: str | None = None
    incident_id: int | None = None
    severity: int | None = None
    incident_class: str | None = None
    status: str | None = None
    commander: str | None = None
    levers: list[str] = field(default_factory=list)
    next_update_due: datetime | None = None
    actor: str | None = None
    links: list[Link] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    recipient: str | None = None
    """Who on the channel a page is for (an e-mail address, a Slack user id, the name of the
    variable holding a PagerDuty routing key); None: the channel's own destination."""

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["at"] = self.at.isoformat()
        due = self.next_update_due
        body["next_update_due"] = due.isoformat() if due is not None else None
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Message:
        fields = dict(body)
        fields["at"] = datetime.fromisoformat(fields["at"])
        due = fields.get("next_update_due")
        fields["next_update_due"] = datetime.fromisoformat(due) if due else None
        fields["links"] = [Link(**link) for link in fields.get("links", [])]
        return cls(**fields)
