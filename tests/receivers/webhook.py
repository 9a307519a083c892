"""A CloudEvents 1.0 webhook receiver (structured JSON mode) that checks Blastwall's signature.

It verifies the ``Blastwall-Signature`` header with its own HMAC code (not Blastwall's
``verify``, so a bug there cannot hide here), refuses what the CloudEvents spec refuses,
and deduplicates on ``source`` + ``id`` as the spec tells receivers to: ``events`` holds
each event once, ``requests`` every delivery attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any

from tests.receivers.base import Answer, HttpReceiver, Request

REQUIRED = ("id", "source", "specversion", "type")
TOLERANCE_S = 300


class WebhookReceiver(HttpReceiver):
    def __init__(self, secret: str, *, port: int = 0) -> None:
        super().__init__(port=port)
        self.secret = secret
        self.events: list[dict[str, Any]] = []
        self.duplicates = 0
        self._seen: set[tuple[str, str]] = set()

    @property
    def hook_url(self) -> str:
        return f"{self.url}/hooks/blastwall"

    def answer(self, request: Request) -> Answer:
        if request.headers.get("content-type", "").split(";")[0] != "application/cloudevents+json":
            return _json(415, "Content-Type must be application/cloudevents+json")
        problem = self._signature_problem(request)
        if problem is not None:
            return _json(401, problem)
        try:
            event = json.loads(request.body)
        except ValueError:
            return _json(400, "body is not JSON")
        problems = event_problems(event)
        if problems:
            return _json(400, "; ".join(problems))
        identity = (event["source"], event["id"])
        if identity in self._seen:
            self.duplicates += 1
        else:
            self._seen.add(identity)
            self.events.append(event)
        return _json(200, "accepted")

    def _signature_problem(self, request: Request) -> str | None:
        header = request.headers.get("blastwall-signature", "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        stamp, signature = parts.get("t", ""), parts.get("v1", "")
        if not stamp.isdigit() or not signature:
            return "missing or malformed Blastwall-Signature"
        if abs(time.time() - int(stamp)) > TOLERANCE_S:
            return "signature timestamp outside the replay window"
        signed = stamp.encode() + b"." + request.body
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "signature does not match"
        return None


def event_problems(event: object) -> list[str]:
    """Why ``event`` is not a CloudEvents 1.0 structured-mode JSON event."""
    if not isinstance(event, dict):
        return ["an event is a JSON object"]
    errors = [f"'{name}' is required" for name in REQUIRED if not isinstance(event.get(name), str)]
    errors += [f"'{name}' must not be empty" for name in ("id", "source") if event.get(name) == ""]
    if event.get("specversion") not in (None, "1.0"):
        errors.append("'specversion' must be '1.0'")
    if "time" in event and not _rfc3339(event["time"]):
        errors.append("'time' must be an RFC 3339 timestamp with an offset")
    for name in event:
        if not (name.isascii() and name.isalnum() and name.islower()) and name != "data":
            errors.append(f"attribute name {name!r} must be lower-case letters and digits")
    return errors


def _rfc3339(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _json(status: int, message: str) -> Answer:
    return Answer(
        status, json.dumps({"message": message}).encode(), {"Content-Type": "application/json"}
    )
