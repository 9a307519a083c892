"""Test support for notifications: a local HTTP receiver, a channel that posts to it, factories."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, Recorded, record
from blastwall.config_as_code.apply import apply_data
from blastwall.incidents.models import Incident
from blastwall.notify.channels.base import Delivered, Outcome, Rejected, RetryLater
from blastwall.notify.message import Message
from blastwall.registry.models import System

ADMIN = Actor(name="test-admin", role=Role.admin)
RESPONDER = Actor(name="alice", role=Role.responder)
SYSTEM = "support-bot"


@dataclass
class Reply:
    """What the receiver answers to one request."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Receiver:
    """A loopback HTTP server that records each POSTed JSON body and answers from a script.

    ``script`` is consumed one reply per request; when it is empty the receiver answers 200.
    ``accepted`` holds the bodies it answered 2xx to: what a real receiver would have kept.
    """

    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            reply = self.script.pop(0) if self.script else Reply()
            self.requests.append(body)
            if 200 <= reply.status < 300:
                self.accepted.append(body)
                self.arrived.set()
        return reply


@contextmanager
def receiving(receiver: Receiver, port: int = 0) -> Iterator[Receiver]:
    """Serve ``receiver`` on loopback for the block (a thread per request, like a real one)."""

    class Handler(BaseHTTPRequestHandler):
        target: ClassVar[Receiver] = receiver

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            reply = self.target.handle(json.loads(self.rfile.read(length)))
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_: Any) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class PostChannel:
    """The in-memory-simple channel of the tests: POSTs the message JSON, maps the answer
    as every real channel must (2xx delivered, 429/5xx/network retry, other 4xx rejected)."""

    type: ClassVar[str] = "webhook"

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url

    def send(self, message: Message, *, idempotency_key: str) -> Outcome:
        body = {"key": idempotency_key, "message": message.to_json()}
        try:
            response = httpx.post(self.url, json=body, timeout=5)
        except httpx.HTTPError as exc:
            return RetryLater(f"cannot reach the receiver: {type(exc).__name__}")
        if response.is_success:
            return Delivered(str(response.status_code))
        if response.status_code == 429 or response.status_code >= 500:
            after = response.headers.get("Retry-After")
            return RetryLater(f"HTTP {response.status_code}", float(after) if after else None)
        return Rejected(f"HTTP {response.status_code}")


def post_channel(name: str, values: Mapping[str, Any]) -> PostChannel:
    """A ``factory.BUILDERS`` entry for the webhook type that builds a PostChannel."""
    return PostChannel(name, values["url"])


def document(
    *, channels: list[dict[str, Any]] | None = None, routes: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A blastwall.yaml body with one system, a webhook channel ``hook`` and a route to it."""
    return {
        "version": 1,
        "systems": [
            {"name": SYSTEM, "owner": "support team", "risk_tier": "high", "environments": ["prod"]}
        ],
        "channels": channels
        if channels is not None
        else [
            {"name": "hook", "type": "webhook", "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"}
        ],
        "routes": routes
        if routes is not None
        else [
            {
                "name": "incidents",
                "events": ["incident.opened", "incident.resolved"],
                "channels": ["hook"],
            }
        ],
    }


def configure(session: Session, body: dict[str, Any] | None = None) -> None:
    """Apply ``body`` (default: ``document()``) as an admin, in the caller's transaction."""
    apply_data(session, body or document(), actor=ADMIN)


def open_incident(session: Session, *, severity: int = 1, system: str | None = SYSTEM) -> Recorded:
    """An incident row and its ``incident.open`` change, recorded through the kernel."""
    row = session.query(System).filter_by(name=system).one() if system else None
    now = datetime.now(UTC)
    incident = Incident(
        title="Refunds issued without approval",
        summary="",
        system=row,
        status="detected",
        classes=["harmful_action"],
        harm="major",
        reversibility="irreversible",
        severity=severity,
        matrix_version=1,
        started_at=now,
        detected_at=now,
        created_by=RESPONDER.name,
    )
    session.add(incident)
    session.flush()
    return record(
        session,
        Change(
            action="incident.open",
            target=f"incident/{incident.id}",
            actor=RESPONDER,
            after={"title": incident.title, "status": "detected", "severity": severity},
            incident_id=incident.id,
            system=system,
            timeline=f"opened at severity {severity}",
        ),
    )
