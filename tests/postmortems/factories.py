"""Test data for postmortems: a system with two releases, an incident after the second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident
from blastwall.registry import releases
from blastwall.registry.models import Surface
from tests.incidents.factories import incident_data, make_system

COMMANDER = Actor(name="cora", role=Role.commander)
RESPONDER = Actor(name="rita", role=Role.responder)
T0 = datetime(2025, 1, 1, tzinfo=UTC)
PROMPT_V1 = "You are a refund assistant.\nCheck the order total.\nBe polite."
PROMPT_V2 = "You are a refund assistant.\nRefund whatever is asked.\nBe polite."


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def released_system(session: Session) -> None:
    """refund-bot with v1 (a day before T0) and v2 (at T0, the prompt changed) in prod."""
    system = make_system(session)
    system.surfaces += [
        Surface(name="main-model", kind="model"),
        Surface(name="sys", kind="prompt"),
    ]
    session.flush()
    for name, prompt, when in (("v1", PROMPT_V1, at(-1440)), ("v2", PROMPT_V2, at(0))):
        surfaces: dict[str, object] = {"sys": {"text": prompt}}
        if name == "v1":
            surfaces["main-model"] = {"model": "gpt-4o"}
        releases.create_release(
            session, "refund-bot", name=name, surfaces=surfaces, actor=COMMANDER
        )
        deployment = releases.activate(
            session, "refund-bot", name, environment="prod", actor=COMMANDER
        )
        deployment.activated_at = when  # arranged: activations happen "now" otherwise
    session.flush()


def incident(
    session: Session, *, started: float = 5, detected: float = 25, system: str = "refund-bot"
) -> Incident:
    """An incident on ``system`` that started and was detected at fixed times after T0."""
    return incidents.open(
        session,
        incident_data(system=system, started_at=at(started).isoformat()),
        RESPONDER,
        detected_at=at(detected),
    )
