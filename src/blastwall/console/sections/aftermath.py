"""The incident sections of what follows containment: the postmortem and its action items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from blastwall.incidents.models import Incident
from blastwall.postmortems import actions as action_items
from blastwall.postmortems import service as postmortems
from blastwall.postmortems.models import ActionItem, Postmortem


@dataclass
class PostmortemView:
    postmortem: Postmortem | None
    body: dict[str, str]


def postmortem(session: Session, incident: Incident) -> PostmortemView:
    """The incident's postmortem (draft, submitted or published) and its text, if any."""
    found = postmortems.get(session, incident.id)
    return PostmortemView(found, postmortems.body(found) if found is not None else {})


def actions(session: Session, incident: Incident) -> list[tuple[ActionItem, bool]]:
    """Each action item with whether it is overdue."""
    now = datetime.now(UTC)
    return [
        (i, action_items.is_overdue(i, now))
        for i in action_items.for_incident(session, incident.id)
    ]
