"""Test data for the registry: one realistic system spec and quick ways to release it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes.models import AuditEntry
from blastwall.incidents.models import Incident
from blastwall.registry import releases, service
from blastwall.registry.models import Release
from blastwall.registry.schemas import SystemSpec

ADMIN = Actor(name="root", role=Role.admin)
COMMANDER = Actor(name="cora", role=Role.commander)
RESPONDER = Actor(name="remy", role=Role.responder)

SYSTEM = "support-agent"


def system_spec(**overrides: Any) -> SystemSpec:
    """A support agent with two environments, two actions and all four kinds of surface."""
    body: dict[str, Any] = {
        "name": SYSTEM,
        "description": "Answers customer tickets and can issue refunds.",
        "owner": "alice@example.com",
        "risk_tier": "high",
        "environments": ["staging", "prod"],
        "fallback": "Tickets go to the tier-1 human queue.",
        "actions": [
            {"name": "issue-refund", "reversible": False},
            {"name": "tag-ticket", "reversible": True, "description": "Adds a label."},
        ],
        "surfaces": [
            {"name": "model", "kind": "model"},
            {"name": "prompt", "kind": "prompt"},
            {"name": "kb", "kind": "retrieval"},
            {"name": "settings", "kind": "config"},
        ],
    }
    body.update(overrides)
    return SystemSpec.model_validate(body)


def contents(tag: str) -> dict[str, dict[str, Any]]:
    """Content for every surface of the factory system, distinct per ``tag``."""
    return {
        "model": {"provider": "openai", "model": f"gpt-{tag}"},
        "prompt": {"template": f"You are a support agent ({tag})."},
        "kb": {"index": f"kb-{tag}"},
        "settings": {"temperature": 0.2, "max_tokens": 512, "tag": tag},
    }


def make_system(session: Session, **overrides: Any) -> None:
    service.upsert_system(session, system_spec(**overrides), ADMIN)


def release(
    session: Session, name: str, surfaces: dict[str, Any], *, known_good: bool = False
) -> Release:
    """Create release ``name`` naming ``surfaces`` (surface -> content); optionally known-good."""
    made = releases.create_release(session, SYSTEM, name=name, surfaces=surfaces, actor=COMMANDER)
    if known_good:
        releases.mark_known_good(session, SYSTEM, name, actor=COMMANDER, reason="canary passed")
    return made


def activate(session: Session, name: str, environment: str = "prod") -> None:
    releases.activate(session, SYSTEM, name, environment=environment, actor=COMMANDER)


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def last_audit(session: Session) -> AuditEntry:
    entry = session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert entry is not None
    return entry


def make_incident(session: Session) -> Incident:
    now = datetime.now(UTC)
    incident = Incident(
        title="Refund bot approves fraud",
        status="detected",
        harm="none",
        reversibility="reversible",
        severity=3,
        matrix_version=1,
        started_at=now,
        detected_at=now,
        created_by="remy",
    )
    session.add(incident)
    session.flush()
    return incident
