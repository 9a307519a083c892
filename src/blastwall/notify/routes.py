"""Which channels a change goes to: the routes whose events, systems and severities match."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.notify.compose import Facts
from blastwall.notify.enums import Event
from blastwall.notify.models import NotifyRoute


def _matches(route: NotifyRoute, found: Facts) -> bool:
    if route.systems and found.system not in route.systems:
        return False
    # A route limited to severities never matches a change without one (a lever pulled
    # outside any incident): it asked for incidents of those severities only.
    return not route.severities or found.severity in route.severities


def channels_for(session: Session, events: Sequence[Event], found: Facts) -> dict[str, Event]:
    """Channel name -> the most specific of ``events`` a matching route wants on it."""
    chosen: dict[str, Event] = {}
    for route in session.scalars(select(NotifyRoute).order_by(NotifyRoute.position)):
        if not _matches(route, found):
            continue
        wanted = next((event for event in events if event.value in route.events), None)
        if wanted is None:
            continue
        for channel in route.channels:
            current = chosen.get(channel)
            if current is None or events.index(wanted) < events.index(current):
                chosen[channel] = wanted
    return chosen


def any_route(session: Session) -> bool:
    """Whether any route is configured (most changes then cost one cheap query)."""
    return session.scalar(select(NotifyRoute.id).limit(1)) is not None
