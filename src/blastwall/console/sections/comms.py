"""The incident sections of communication: status updates on their cadence, and notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from blastwall.comms import ledger
from blastwall.comms.enums import MessageKind
from blastwall.comms.models import LedgerEntry
from blastwall.console.sections.core import blast_radius
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.notices import service as notices
from blastwall.updates import cadence


@dataclass(frozen=True)
class UpdatesView:
    clock: cadence.Cadence
    posted: list[TimelineEntry]


def updates(session: Session, incident: Incident) -> UpdatesView:
    """The update clock (next due, overdue) and every update posted, newest first."""
    clock = cadence.of(session, incident, datetime.now(UTC))
    posted = [e for e in reversed(incident.timeline) if e.kind == "update"]
    return UpdatesView(clock, posted)


@dataclass(frozen=True)
class NoticesView:
    rule: notices.Rule
    users: int
    sent: list[LedgerEntry]


def notices_section(session: Session, incident: Incident) -> NoticesView:
    """Whether affected users must be told (the rule on the blast radius) and what was sent."""
    radius = blast_radius(session, incident)
    sent = [e for e in ledger.for_incident(session, incident.id) if e.kind == MessageKind.notice]
    return NoticesView(notices.decide(session, incident, radius), radius.users, sent)
