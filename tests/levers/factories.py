"""Test data for the levers domain: systems, incidents and actors, made straight in the store."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.db.base import utcnow
from blastwall.incidents.models import Incident
from blastwall.registry.models import DownstreamAction, Surface, System

ADMIN = Actor("root", Role.admin)
COMMANDER = Actor("carol", Role.commander)
RESPONDER = Actor("alice", Role.responder)
VIEWER = Actor("val", Role.viewer)


def make_system(
    session: Session,
    name: str = "support-bot",
    environments: Sequence[str] = ("prod", "staging"),
    *,
    stale_policy: str = "keep_last",
    stale_after_s: int | None = None,
) -> System:
    system = System(
        name=name,
        owner="ml-platform",
        risk_tier="high",
        environments=list(environments),
        stale_policy=stale_policy,
        stale_after_s=stale_after_s,
        # What the C6 levers may name: tools (actions) and retrieval sources (surfaces).
        actions=[
            DownstreamAction(name="refund", reversible=False),
            DownstreamAction(name="send_email", reversible=True),
        ],
        surfaces=[Surface(name="kb-public", kind="retrieval")],
    )
    session.add(system)
    session.flush()
    return system


def make_incident(session: Session, title: str = "refunds routed to fraud") -> Incident:
    now = utcnow()
    incident = Incident(
        title=title,
        status="detected",
        harm="moderate",
        reversibility="reversible",
        severity=2,
        matrix_version=1,
        started_at=now,
        detected_at=now,
        created_by="root",
    )
    session.add(incident)
    session.flush()
    return incident


def committed_system(factory: sessionmaker[Session], name: str = "support-bot") -> None:
    """A system committed for tests that work through other sessions (API, threads)."""
    with factory() as session, session.begin():
        make_system(session, name)
