"""A stand-in for PagerDuty's Events API v2 (``POST /v2/enqueue``) that refuses what it refuses.

Point ``BLASTWALL_PAGERDUTY_EVENTS_URL`` (or a PagerDutyChannel's ``events_url``) at
``receiver.events_url``. Accepted events answer 202 as PagerDuty does and move the alert of
their ``dedup_key`` through triggered → acknowledged → resolved; invalid events answer 400
with PagerDuty's ``invalid event`` body and change nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from tests.receivers.base import Answer, HttpReceiver, Request

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
MAX_BODY = 512 * 1024


class PagerDutyReceiver(HttpReceiver):
    """Events API v2, as PagerDuty documents it (developer.pagerduty.com, Events API v2)."""

    def __init__(self, *, routing_keys: set[str] | None = None, port: int = 0) -> None:
        super().__init__(port=port)
        self.routing_keys = routing_keys
        self.accepted: dict[str, list[dict[str, Any]]] = {}
        self.alerts_opened = 0
        self._states: dict[str, str] = {}

    @property
    def events_url(self) -> str:
        return f"{self.url}/v2/enqueue"

    def events(self, dedup_key: str) -> list[dict[str, Any]]:
        """Accepted events of one alert, in arrival order."""
        return list(self.accepted.get(dedup_key, []))

    def state(self, dedup_key: str) -> str | None:
        """``triggered``, ``acknowledged``, ``resolved``, or None if never triggered."""
        return self._states.get(dedup_key)

    def answer(self, request: Request) -> Answer:
        if request.path != "/v2/enqueue":
            return Answer(404, b'{"status":"Not Found"}', {"Content-Type": "application/json"})
        if len(request.body) > MAX_BODY:
            return _invalid([f"event is {len(request.body)} bytes; the limit is {MAX_BODY}"])
        try:
            event = json.loads(request.body)
        except ValueError:
            return _invalid(["body is not JSON"])
        if not isinstance(event, dict):
            return _invalid(["event must be a JSON object"])
        errors = self._problems(event)
        if errors:
            return _invalid(errors)
        key = event.get("dedup_key") or uuid.uuid4().hex
        self._apply(event["event_action"], key, event)
        body = {"status": "success", "message": "Event processed", "dedup_key": key}
        return Answer(202, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _apply(self, action: str, key: str, event: dict[str, Any]) -> None:
        state = self._states.get(key)
        open_ = state in ("triggered", "acknowledged")
        if action == "trigger":
            if not open_:
                self.alerts_opened += 1
                self._states[key] = "triggered"
        elif open_:
            # acknowledge/resolve of an unknown or resolved alert: 202, and nothing happens.
            self._states[key] = "acknowledged" if action == "acknowledge" else "resolved"
        self.accepted.setdefault(key, []).append(event)

    def _problems(self, event: dict[str, Any]) -> list[str]:
        errors: list[str] = []
        key = event.get("routing_key")
        if not isinstance(key, str) or not key:
            errors.append("'routing_key' is missing")
        elif len(key) != 32:
            errors.append("'routing_key' must be 32 characters")
        elif self.routing_keys is not None and key not in self.routing_keys:
            errors.append("'routing_key' is not an integration key of this account")
        action = event.get("event_action")
        if action not in ACTIONS:
            errors.append("'event_action' must be one of trigger, acknowledge, resolve")
        dedup = event.get("dedup_key")
        if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        if action in ("acknowledge", "resolve") and not dedup:
            errors.append(f"'dedup_key' is required to {action}")
        if action == "trigger":
            errors += _payload_problems(event.get("payload"))
        errors += _link_problems(event.get("links"))
        for name in ("client", "client_url"):
            if name in event and not isinstance(event[name], str):
                errors.append(f"'{name}' must be a string")
        return errors


def _payload_problems(payload: object) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is required to trigger and must be an object"]
    errors: list[str] = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing")
    elif len(summary) > 1024:
        errors.append("'payload.summary' must be at most 1024 characters")
    source = payload.get("source")
    if not isinstance(source, str) or not source.strip():
        errors.append("'payload.source' is missing")
    if payload.get("severity") not in SEVERITIES:
        errors.append("'payload.severity' must be one of critical, error, warning, info")
    stamp = payload.get("timestamp")
    if stamp is not None and not _is_iso8601(stamp):
        errors.append("'payload.timestamp' must be an ISO 8601 date-time")
    for name in ("component", "group", "class"):
        if name in payload and not isinstance(payload[name], str):
            errors.append(f"'payload.{name}' must be a string")
    if "custom_details" in payload and not isinstance(payload["custom_details"], dict):
        errors.append("'payload.custom_details' must be an object")
    return errors


def _link_problems(links: object) -> list[str]:
    if links is None:
        return []
    if not isinstance(links, list) or not all(
        isinstance(link, dict) and isinstance(link.get("href"), str) for link in links
    ):
        return ["'links' must be a list of objects with an 'href' (and optional 'text')"]
    return []


def _is_iso8601(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _invalid(errors: list[str]) -> Answer:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    return Answer(400, json.dumps(body).encode(), {"Content-Type": "application/json"})
