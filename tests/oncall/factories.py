"""Test data for on-call: a small blastwall.yaml, applied, and the times tests ask about."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.config_as_code.apply import apply
from blastwall.config_as_code.loader import load_text
from blastwall.config_as_code.plan import Plan

ADMIN = Actor(name="root", role=Role.admin)
FILE = "oncall.yaml"

# Line numbers matter: the error tests name them.
ONCALL_YAML = """\
version: 1
systems:
  - name: support-bot
    owner: support-ml
    risk_tier: high
    environments: [prod]
  - name: search-bot
    owner: search
    risk_tier: low
    environments: [prod]
oncall:
  people:
    - name: ana
      display_name: Ana Lima
      handle: "@ana"
      email: ana@example.com
    - name: ben
      display_name: Ben Ode
      handle: "@ben"
      slack_user: U0BEN1
    - name: cem
      display_name: Cem Kaya
      handle: "@cem"
      pagerduty_routing_key_env: PD_KEY_CEM
  schedules:
    - name: primary
      time_zone: Europe/Berlin
      layers:
        - people: [ana, ben]
          rotation: weekly
          handoff: "09:00"
          start: "2026-03-16"
  escalation_policies:
    - name: support
      repeat: 2
      levels:
        - targets: [{schedule: primary}]
          delay_minutes: 10
        - targets: [{person: cem}, {schedule: primary}]
          delay_minutes: 20
    - name: everyone-else
      pagerduty_service: pd-ops
  coverage:
    - policy: support
      systems: [support-bot]
      severity: [1, 2]
    - policy: everyone-else
"""


def edited(*edits: tuple[str, str]) -> str:
    """ONCALL_YAML with each (old, new) edit; ``old`` must occur exactly once."""
    text = ONCALL_YAML
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def apply_text(factory: sessionmaker[Session], text: str, *, dry_run: bool = False) -> Plan:
    """Apply ``text`` as an admin in one committed unit of work."""
    with factory() as session, session.begin():
        return apply(session, load_text(text, file=FILE), actor=ADMIN, dry_run=dry_run)
