"""Seeded event streams with known change points, stored through the real ingest service."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.db.session import unit_of_work
from blastwall.detect.engine import Engine, TickReport
from blastwall.detect.monitors import service
from blastwall.detect.monitors.models import Alarm, Monitor, MonitorState
from blastwall.detect.monitors.schemas import MonitorCreate
from blastwall.incidents.models import Incident
from blastwall.registry.models import DownstreamAction, System
from blastwall.traces import ingest

Factory = sessionmaker[Session]
SYSTEM = "refund-bot"
ENVIRONMENT = "prod"
ADMIN = Actor(name="root", role=Role.admin)
T0 = datetime(2025, 1, 1, tzinfo=UTC)
LABELS = ("approve", "refund", "fraud", "escalate")
BEFORE = (0.80, 0.10, 0.02, 0.08)  # the fraud share moves from 2% ...
AFTER = (0.73, 0.10, 0.09, 0.08)  # ... to 9%
_ids = itertools.count(1)


def register(factory: Factory, name: str = SYSTEM, *, irreversible: bool = False) -> None:
    """A system running in prod and staging; optionally able to fire an irreversible action."""
    with unit_of_work(factory) as session:
        system = System(
            name=name, owner="dana", risk_tier="high", environments=[ENVIRONMENT, "staging"]
        )
        if irreversible:
            system.actions.append(DownstreamAction(name="issue_refund", reversible=False))
        session.add(system)


def add_monitor(factory: Factory, name: str, signal: str, **fields: Any) -> int:
    system = fields.pop("system", SYSTEM)
    with unit_of_work(factory) as session:
        body = MonitorCreate.model_validate({"name": name, "signal": signal, **fields})
        return service.create(session, system, body, ADMIN).id


def call(index: int, **fields: Any) -> dict[str, Any]:
    """A `call` event, one millisecond after the previous index."""
    event: dict[str, Any] = {
        "id": f"{next(_ids):032x}",
        "type": "call",
        "trace_id": f"trace-{index}",
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": (T0 + timedelta(milliseconds=index)).isoformat(),
        "decision": "proceed",
        "outcome": "ok",
        "output": "ok",
        "latency_ms": 100.0,
    }
    event.update(fields)
    return event


def feedback(index: int, trace: int, rating: str = "wrong") -> dict[str, Any]:
    return {
        "id": f"{next(_ids):032x}",
        "type": "feedback",
        "trace_id": f"trace-{trace}",
        "system": SYSTEM,
        "environment": ENVIRONMENT,
        "at": (T0 + timedelta(milliseconds=index)).isoformat(),
        "rating": rating,
    }


def push(factory: Factory, events: Sequence[dict[str, Any]]) -> None:
    """Store events through the ingest service, in SDK-sized batches; all must be accepted."""
    for start in range(0, len(events), ingest.MAX_EVENTS_PER_BATCH):
        body = json.dumps(list(events[start : start + ingest.MAX_EVENTS_PER_BATCH])).encode()
        with unit_of_work(factory) as session:
            result = ingest.ingest(session, body)
        assert result.rejected == []


def labels(n: int, change: int, seed: int = 7) -> list[str]:
    """Classifier labels whose fraud share moves from 2% to 9% at ``change``."""
    rng = np.random.default_rng(seed)
    before = rng.choice(len(LABELS), size=min(n, change), p=BEFORE)
    after = rng.choice(len(LABELS), size=max(n - change, 0), p=AFTER)
    return [LABELS[i] for i in np.concatenate([before, after])]


def classifier_calls(n: int, change: int, *, first: int = 0, seed: int = 7) -> list[dict[str, Any]]:
    stream = labels(first + n, change, seed)[first:]
    return [call(first + i, label=label, output=label) for i, label in enumerate(stream)]


def tick(factory: Factory, engine: Engine | None = None) -> TickReport:
    report = (engine or Engine(settle_s=0.0)).run_once(factory)
    assert report.skipped is None, report.skipped
    return report


def alarms(factory: Factory) -> list[Alarm]:
    with factory() as session:
        return list(session.scalars(select(Alarm).order_by(Alarm.id)))


def incidents(factory: Factory) -> list[Incident]:
    with factory() as session:
        found = list(session.scalars(select(Incident).order_by(Incident.id)))
        for incident in found:
            _ = incident.timeline, incident.system
        return found


def state(factory: Factory, monitor_id: int) -> MonitorState:
    with factory() as session:
        row = session.get(MonitorState, monitor_id)
        assert row is not None
        return row


def monitor(factory: Factory, monitor_id: int) -> Monitor:
    with factory() as session:
        row = session.get(Monitor, monitor_id)
        assert row is not None
        return row


# Support tickets for the input_embedding signal: two topics, five phrasings x four fillers.
PASSWORD_TICKETS = (
    "I forgot my {} password, how do I reset it?",
    "Can't log in to my {} account, please reset my password",
    "My {} password stopped working this morning",
    "How do I change the password on my {} account?",
    "Locked out of my {} account, I need a new password",
)
REFUND_TICKETS = (
    "I want a refund for my {} order",
    "Please give me my money back for the {} purchase",
    "The {} item arrived broken, I want a refund",
    "How long does a refund take for a {} order?",
    "Charged twice for my {} order, please refund one",
)
TICKET_FILLERS = ("work", "personal", "family", "premium")


def tickets(n: int, change: int, seed: int = 7) -> list[str]:
    """Ticket texts whose refund share moves from 10% to 35% at ``change``."""
    rng = np.random.default_rng(seed)
    texts = []
    for index in range(n):
        refund = rng.random() < (0.10 if index < change else 0.35)
        template = (REFUND_TICKETS if refund else PASSWORD_TICKETS)[rng.integers(5)]
        texts.append(template.format(TICKET_FILLERS[rng.integers(4)]))
    return texts


def ticket_calls(n: int, change: int, seed: int = 7) -> list[dict[str, Any]]:
    return [call(i, input=text) for i, text in enumerate(tickets(n, change, seed))]
