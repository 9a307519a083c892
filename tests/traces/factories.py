"""Test data for SDK events: realistic events as the SDK sends them, and a registered system."""

from __future__ import annotations

import gzip
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from blastwall.config import Settings
from blastwall.registry.models import System
from blastwall.server.app import create_app
from tests.cli.conftest import invoke, running

SYSTEM = "refund-classifier"
ENVIRONMENT = "production"
_ids = itertools.count(1)


def register_system(factory: sessionmaker[Session], name: str = SYSTEM) -> None:
    """A minimal registered system; ingest, handoffs and approvals only need its name."""
    with factory() as session, session.begin():
        session.add(System(name=name, owner="alice@example.com", risk_tier="high"))


def event_id() -> str:
    return f"{next(_ids):032x}"


def call_event(**overrides: Any) -> dict[str, Any]:
    """A `call` event like the one in docs/sdk.md."""
    event: dict[str, Any] = {
        "id": event_id(),
        "type": "call",
        "trace_id": "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": "2025-01-31T12:00:00.123456Z",
        "user_id": "u-42",
        "decision": "proceed",
        "outcome": "ok",
        "error": None,
        "release": "r12",
        "surfaces": {"model": 3, "prompt": 7},
        "input": "Refund my order, mail me at [EMAIL]",
        "retrieved": [{"id": "kb-1", "source": "kb", "score": 0.8}],
        "model": "gpt-4o-mini",
        "requested_model": "gpt-4o-mini",
        "tool_calls": [
            {
                "name": "lookup_order",
                "arguments": {"order": 7},
                "result": {"total": 30},
                "status": "ok",
                "reason": None,
            }
        ],
        "output": "fraud",
        "label": "fraud",
        "confidence": 0.91,
        "input_tokens": 120,
        "output_tokens": 3,
        "actions": [
            {
                "name": "hold_account",
                "reversible": False,
                "status": "approved",
                "gate": "validator",
                "reason": None,
            }
        ],
        "levers": ["filters"],
        "filters": [
            {"filter": "pii", "stage": "input", "category": "email", "action": "redact", "count": 1}
        ],
        "lever_revision": 17,
        "lever_stale": False,
        "latency_ms": 412.5,
        "attributes": {"ticket": "T-1"},
    }
    event.update(overrides)
    return event


def feedback_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id(),
        "type": "feedback",
        "trace_id": "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": "2025-01-31T12:05:00Z",
        "user_id": "u-42",
        "rating": "wrong",
        "comment": "not fraud",
        "by": "agent-7",
    }
    event.update(overrides)
    return event


def filter_hit_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id(),
        "type": "filter_hit",
        "trace_id": "8a3b1c2d4e5f60718293a4b5c6d7e8f9",
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": "2025-01-31T12:00:00.123456Z",
        "user_id": "u-42",
        "filter": "pii",
        "stage": "input",
        "category": "email",
        "action": "redact",
        "count": 1,
    }
    event.update(overrides)
    return event


def status_event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id(),
        "type": "sdk_status",
        "trace_id": None,
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": "2025-01-31T12:01:00Z",
        "user_id": None,
        "instance": "a1b2c3",
        "sdk_version": "0.1.0",
        "sent": 120,
        "dropped": 0,
        "queued": 3,
        "lever_revision": 17,
        "lever_age_s": 0.4,
    }
    event.update(overrides)
    return event


def post_events(client: TestClient, events: list[Any], *, gzipped: bool = False) -> Any:
    """POST a batch the way the SDK exporter does; returns the httpx response."""
    body = json.dumps(events).encode()
    headers = {"Content-Type": "application/json"}
    if gzipped:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return client.post("/api/v1/events", content=body, headers=headers)


@contextmanager
def live_cli(settings: Settings, engine: Engine, token: str) -> Iterator[Callable[..., Result]]:
    """A live server on the test's database and a CLI runner pointed at it as ``token``."""
    with running(create_app(settings, engine)) as url:

        def run(*args: str, as_token: str | None = None) -> Result:
            env = {"BLASTWALL_SERVER": url, "BLASTWALL_TOKEN": as_token or token}
            return invoke(*args, env=env)

        yield run
