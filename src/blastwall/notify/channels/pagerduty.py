"""PagerDuty Events API v2: one PagerDuty alert per Blastwall incident.

Every message of an incident carries the same ``dedup_key`` (``Message.key``), so PagerDuty
folds them into one alert:

- ``incident.acknowledged`` sends ``acknowledge``; ``incident.resolved`` sends ``resolve``.
- Any other message while the incident is open (opened, severity or status changed, lever
  pulled, update posted, page, escalation) sends ``trigger``: on an open alert PagerDuty
  deduplicates it into the alert's log and pages nobody again; for the first message it
  opens the alert.
- A message other than ``incident.resolved`` about an incident already resolved is skipped
  (delivered, nothing sent): a ``trigger`` would open a new PagerDuty alert for an incident
  that is over.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

import httpx

from blastwall.notify.channels import _http
from blastwall.notify.channels._render import headline, rfc3339, severity_label, truncate
from blastwall.notify.channels.base import Delivered, Outcome
from blastwall.notify.message import Message

DEFAULT_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
ROUTING_KEY_LENGTH = 32
MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255
# PagerDuty refuses an event over 512 KB; the free-form details are what can grow that large.
MAX_EVENT_BYTES = 512 * 1024

# Blastwall severities run 1 (worst) to 3; PagerDuty's four levels, worst first.
SEVERITIES = {1: "critical", 2: "error", 3: "warning", 4: "info"}
# A message without an incident severity (a lever pulled outside an incident) is worth a look.
NO_SEVERITY = "warning"

ACTIONS = {"incident.acknowledged": "acknowledge", "incident.resolved": "resolve"}
CLOSED_STATUSES = frozenset({"resolved", "postmortem_done"})


def pagerduty_severity(severity: int | None) -> str:
    """PagerDuty's ``payload.severity`` for a Blastwall severity (beyond 4 counts as info)."""
    if severity is None:
        return NO_SEVERITY
    return SEVERITIES.get(severity, "critical" if severity < 1 else "info")


def dedup_key(message: Message) -> str:
    """``Message.key``, or its SHA-256 when longer than PagerDuty's 255 characters."""
    key = message.key
    return key if len(key) <= MAX_DEDUP_KEY else hashlib.sha256(key.encode()).hexdigest()


class PagerDutyChannel:
    """Sends Events API v2 events to one PagerDuty service (its integration's routing key)."""

    type: ClassVar[str] = "pagerduty"

    def __init__(
        self,
        name: str,
        routing_key: str,
        events_url: str = DEFAULT_EVENTS_URL,
        *,
        client_name: str = "Blastwall",
        client_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        routing_key = routing_key.strip()  # a key pasted into an env file may keep its newline
        if len(routing_key) != ROUTING_KEY_LENGTH:
            # Never echo the key itself: this message may be printed.
            raise ValueError(
                f"channel {name!r}: a PagerDuty routing key is {ROUTING_KEY_LENGTH} characters "
                f"(got {len(routing_key)}); copy the Integration Key of the service's "
                "'Events API v2' integration into the environment variable the channel names"
            )
        self.name = name
        self.events_url = events_url
        self.client_name = client_name
        self.client_url = client_url
        self._routing_key = routing_key
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)

    def render(self, message: Message) -> dict[str, Any] | None:
        """The Events API v2 body for ``message``, or None when it is skipped (see module)."""
        action = ACTIONS.get(message.event, "trigger")
        if action != "resolve" and message.status in CLOSED_STATUSES:
            return None
        event: dict[str, Any] = {
            "routing_key": self._routing_key,
            "event_action": action,
            "dedup_key": dedup_key(message),
        }
        if action != "trigger":
            return event
        payload: dict[str, Any] = {
            "summary": truncate(headline(message), MAX_SUMMARY),
            "source": message.system or "blastwall",
            "severity": pagerduty_severity(message.severity),
            "timestamp": rfc3339(message.at),
        }
        optional = {
            "component": message.system,
            "group": message.environment,
            "class": message.incident_class,
        }
        payload |= {k: v for k, v in optional.items() if v is not None}
        payload["custom_details"] = _custom_details(message)
        event["payload"] = payload
        event["client"] = self.client_name
        if self.client_url is not None:
            event["client_url"] = self.client_url
        if message.links:
            event["links"] = [{"href": link.href, "text": link.text} for link in message.links]
        return event

    def transcript(self, message: Message, *, idempotency_key: str) -> str | None:
        """The exact JSON body posted, the routing key (a secret) shown as ``***``; None
        when the event is skipped."""
        event = self.render(message)
        if event is None:
            return None
        return _encode({**event, "routing_key": "***"}).decode()

    def send(self, message: Message, *, idempotency_key: str) -> Outcome:
        """Post the event; PagerDuty deduplicates on ``dedup_key``, not on the idempotency key."""
        event = self.render(message)
        if event is None:
            return Delivered(f"skipped: incident already {message.status}, nothing to page")
        return _http.post(
            self._client,
            self.events_url,
            content=_encode(event),
            headers={"Content-Type": "application/json"},
            secrets=(self._routing_key,),
        )

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()


def _encode(event: dict[str, Any]) -> bytes:
    """The event as JSON, its ``custom_details.details`` replaced by a note if the whole
    would pass PagerDuty's 512 KB: a page with fewer details beats a refused page."""
    body = json.dumps(event).encode()
    details = event.get("payload", {}).get("custom_details", {})
    if len(body) <= MAX_EVENT_BYTES or "details" not in details:
        return body
    details["details"] = (
        f"omitted: {len(body)} bytes is over PagerDuty's {MAX_EVENT_BYTES}; see the incident"
    )
    return json.dumps(event).encode()


def _custom_details(message: Message) -> dict[str, Any]:
    """What a responder reads on the PagerDuty alert beyond the summary."""
    details: dict[str, Any] = {
        "event": message.event,
        "summary": message.summary,
        "severity": severity_label(message.severity) if message.severity else None,
        "status": message.status,
        "incident_id": message.incident_id,
        "commander": message.commander,
        "levers": message.levers or None,
        "next_update_due": (rfc3339(message.next_update_due) if message.next_update_due else None),
        "actor": message.actor,
    }
    details = {k: v for k, v in details.items() if v is not None}
    if message.details:
        details["details"] = message.details
    return details
