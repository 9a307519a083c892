"""Test data for triage: a small blastwall.yaml with one tree, applied, and incidents."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_text
from blastwall.config_as_code.plan import Plan
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm
from blastwall.incidents.schemas import IncidentCreate

ADMIN = Actor(name="root", role=Role.admin)
FILE = "triage.yaml"

# Line numbers matter: the error tests name them.
TRIAGE_YAML = """\
version: 1
systems:
  - name: refund-bot
    owner: payments-ml
    risk_tier: high
    environments: [staging, prod]
    actions:
      - {name: issue_refund, reversible: false}
    surfaces:
      - {name: prompt, kind: prompt}
      - {name: kb, kind: retrieval}
triage:
  - system: refund-bot
    questions:
      - id: money
        text: Are refunds going out that should not?
        answers:
          - answer: "yes"
            next: size
          - answer: "no"
            outcome: {team: payments-ml, levers: [{lever: human_fallback}]}
      - id: size
        text: Are the refunds larger than the orders?
        answers:
          - answer: "yes"
            outcome:
              surface: prompt
              team: payments-ml
              levers:
                - {lever: disable_tool, value: issue_refund}
                - {lever: kill}
              note: Stop refunds first.
          - answer: "no"
            outcome: {surface: kb, levers: [{lever: retrieval, value: "faq,policy"}]}
"""


def edited(*edits: tuple[str, str]) -> str:
    """TRIAGE_YAML with each (old, new) edit; ``old`` must occur exactly once."""
    text = TRIAGE_YAML
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def apply_text(factory: sessionmaker[Session], text: str = TRIAGE_YAML) -> Plan:
    """Apply ``text`` as an admin in one committed unit of work."""
    with factory() as session, session.begin():
        return apply(session, load_text(text, file=FILE), actor=ADMIN)


def open_incident(factory: sessionmaker[Session], system: str | None = "refund-bot") -> int:
    """Open an incident on ``system``; returns its id."""
    body = IncidentCreate(title="refunds look wrong", system=system, harm=Harm.major)
    with factory() as session, session.begin():
        return incidents.open(session, body, ADMIN).id
