"""Which routable events a recorded change is: the change kernel's actions, in route terms.

Routes name what a person cares about (``incident.resolved``), while the audit log names
what the code did (``incident.transition`` to resolved). One change can be several events
(a transition to resolved is a status change and a resolution); the most specific comes
first and names the message.
"""

from __future__ import annotations

from typing import Any

from blastwall.changes import Change
from blastwall.notify.enums import Event

NOTIFICATION_DOMAIN = "notification"
"""Changes this package records itself; never routed, so a delivery never notifies again."""

# Actions whose name already says the event (also the names a future kernel may use).
_DIRECT = {event.value: event for event in Event if not event.value.endswith("*")}
_DIRECT |= {
    "incident.open": Event.incident_opened,
    "incident.acknowledge": Event.incident_acknowledged,
    "incident.resolve": Event.incident_resolved,
}


def _status_events(after: dict[str, Any] | None) -> tuple[Event, ...]:
    if (after or {}).get("status") == "resolved":
        return (Event.incident_resolved, Event.incident_status_changed)
    return (Event.incident_status_changed,)


def events_of(change: Change) -> tuple[Event, ...]:
    """The events ``change`` is, most specific first; empty when no route can want it."""
    if change.domain == NOTIFICATION_DOMAIN:
        return ()
    if change.action == "incident.transition":
        return _status_events(change.after)
    if change.action == "incident.update":
        return (Event.incident_severity_changed,) if "severity" in (change.after or {}) else ()
    if change.domain == "lever":
        return (Event.lever,)
    direct = _DIRECT.get(change.action)
    return (direct,) if direct is not None else ()
