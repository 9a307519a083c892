"""Test data for alerts: Alertmanager v4 payloads, generic alerts, rules, a system."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.alerts import rules
from blastwall.alerts.rules import AlertRule
from blastwall.db.session import unit_of_work
from tests.incidents.factories import make_system

ADMIN = Actor(name="ada", role=Role.admin)
SYSTEM = "refund-bot"
STARTS = "2026-05-01T09:30:00Z"
NEVER = "0001-01-01T00:00:00Z"


def am_alert(fingerprint: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    """One alert of an Alertmanager webhook, as Alertmanager writes it."""
    return {
        "status": status,
        "labels": {"alertname": "HighErrorRate", **labels},
        "annotations": {"summary": f"errors on {labels.get('instance', 'a')}"},
        "startsAt": STARTS,
        "endsAt": NEVER if status == "firing" else "2026-05-01T10:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def am_payload(*alerts: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """An Alertmanager webhook payload version 4 with ``alerts``."""
    body: dict[str, Any] = {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "blastwall",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": {"alertname": "HighErrorRate", "service": "refunds"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }
    body.update(overrides)
    return body


def generic(fingerprint: str = "p99", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "grafana",
        "fingerprint": fingerprint,
        "status": "firing",
        "title": "refund latency p99 above 5 s",
        "description": "p99 7.2 s for 15 minutes",
        "labels": {"team": "payments"},
        "started_at": STARTS,
    }
    body.update(overrides)
    return body


def setup(
    factory: sessionmaker[Session], *given: dict[str, Any], irreversible: bool = False
) -> None:
    """The refund-bot system (reversible unless asked) and the alert rules ``given``."""
    actions = {"issue_refund": False} if irreversible else {"send_email": True}
    with unit_of_work(factory) as session:
        make_system(session, SYSTEM, actions)
        rules.replace(session, [AlertRule.model_validate(r) for r in given], ADMIN)


RULE = {"name": "refunds", "match": {"service": "refunds"}, "system": SYSTEM, "harm": "minor"}
