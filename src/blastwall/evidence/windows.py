"""Which trace windows incidents hold past retention (F4).

An incident holds the traces of its systems (its own and its signals', as the blast
radius counts them) from its start to its containment, resolution or now, widened by a
margin on each side, while it is unresolved, under evidence hold, or resolved less than
``keep_days`` ago. Held by window, not by copy: the traces stay where they are and the
retention task skips them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from blastwall.blastradius.service import systems_of, window
from blastwall.incidents.models import Incident


@dataclass(frozen=True)
class Held:
    """One incident's held window over some systems."""

    incident_id: int
    systems: tuple[str, ...]
    start: datetime
    end: datetime


def held_window(incident: Incident, now: datetime, margin: timedelta) -> Held:
    """The incident's window widened by ``margin`` each side."""
    start, end = window(incident, now)
    return Held(incident.id, tuple(systems_of(incident)), start - margin, end + margin)


def holding(session: Session, now: datetime, margin: timedelta, keep_days: int) -> list[Held]:
    """Every incident's held window, for the incidents that hold one now."""
    since = now - timedelta(days=keep_days)
    incidents = session.scalars(
        select(Incident)
        .where(
            or_(
                Incident.resolved_at.is_(None),
                Incident.evidence_hold.is_(True),
                Incident.resolved_at >= since,
            )
        )
        .order_by(Incident.id)
    )
    return [held_window(incident, now, margin) for incident in incidents]


def by_system(held: list[Held]) -> dict[str, list[tuple[datetime, datetime]]]:
    """The held (start, end) spans of each system."""
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for item in held:
        for system in item.systems:
            spans.setdefault(system, []).append((item.start, item.end))
    return spans
