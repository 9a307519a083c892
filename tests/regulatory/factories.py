"""Test data for regulatory reporting: a system under regimes, incidents, frozen times."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_text
from blastwall.config_as_code.plan import Plan
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm, IncidentClass
from blastwall.incidents.schemas import IncidentCreate
from blastwall.regulatory import service
from blastwall.regulatory.enums import Anchor, Fact

ADMIN = Actor(name="root", role=Role.admin)
CARLA = Actor(name="carla", role=Role.commander)
FILE = "regulatory.yaml"
AWARE = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
"""The frozen moment of awareness every deadline test counts from."""

# Line numbers matter: the error tests name them.
REGULATORY_YAML = """\
version: 1
systems:
  - name: privacy-bot
    owner: privacy-ml
    description: Answers account questions.
    risk_tier: high
    environments: [prod]
    surfaces:
      - {name: model, kind: model}
    regimes:
      - gdpr
      - name: eu_ai_act
        effective: 2026-08-02
        authority: Bundesnetzagentur (DE)
        role: provider
        registration_id: EU-DB-0042
      - {name: nis2, contact: csirt@example.com}
      - dora
      - ca_sb53
  - name: later-bot
    owner: ml
    risk_tier: high
    environments: [prod]
    regimes:
      - {name: eu_ai_act, effective: 2027-12-02}
"""


def edited(*edits: tuple[str, str]) -> str:
    """REGULATORY_YAML with each (old, new) edit; ``old`` must occur exactly once."""
    text = REGULATORY_YAML
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def apply_text(factory: sessionmaker[Session], text: str = REGULATORY_YAML) -> Plan:
    """Apply ``text`` as an admin in one committed unit of work."""
    with factory() as session, session.begin():
        return apply(session, load_text(text, file=FILE), actor=ADMIN)


def open_incident(
    factory: sessionmaker[Session],
    *,
    system: str = "privacy-bot",
    classes: tuple[IncidentClass, ...] = (IncidentClass.privacy,),
    harm: Harm = Harm.severe,
    aware: datetime | None = AWARE,
    facts: tuple[Fact, ...] = (),
) -> int:
    """Open an incident (severity 1 by default) with awareness at ``aware`` and ``facts``."""
    body = IncidentCreate(
        title="account answers show other users' data",
        system=system,
        classes=list(classes),
        harm=harm,
    )
    with factory() as session, session.begin():
        incident = incidents.open(session, body, ADMIN).id
        if aware is not None:
            service.set_anchor(session, incident, Anchor.awareness, aware, reason="", actor=ADMIN)
        for fact in facts:
            service.set_fact(session, incident, fact, True, reason="", actor=ADMIN)
        return incident
