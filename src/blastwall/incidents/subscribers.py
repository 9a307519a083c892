"""What incidents do when any domain records a change: put it on the incident's timeline.

A change made for an incident (``Change.incident_id``) that carries a ``timeline``
sentence becomes one timeline entry, in the same transaction as the change, so the
timeline and the audit log never disagree. Registered in ``blastwall.wiring``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from blastwall.changes import Recorded
from blastwall.incidents import timeline
from blastwall.incidents.enums import TimelineKind

# Actions whose timeline kind is not their domain: the kinds readers and the fix verifier
# (detect/verification.py: rollback, lever, release) already know.
TIMELINE_KINDS: dict[str, str] = {
    "incident.open": TimelineKind.opened,
    "incident.update": TimelineKind.update,
    "incident.update_posted": TimelineKind.update,
    "incident.update_reminder": "reminder",
    "incident.notice_sent": "notice",
    "incident.notice_exported": "notice",
    "incident.transition": TimelineKind.status,
    "incident.acknowledge": TimelineKind.acknowledged,
    "incident.note": TimelineKind.note,
    "incident.role_assigned": TimelineKind.role,
    "incident.role_removed": TimelineKind.role,
    "incident.paged": TimelineKind.page,
    "incident.page_failed": TimelineKind.page,
    "incident.escalation_stopped": TimelineKind.page,
    "release.rollback": "rollback",
    "incident.triage_answered": "triage",
    "incident.reportable": "regulatory",
    "incident.fact": "regulatory",
    "incident.anchor": "regulatory",
    "incident.hold": "hold",
    "incident.release_hold": "hold",
}


def timeline_kind(action: str) -> str:
    """The timeline kind of ``action``: from the table above, else its domain (``lever``)."""
    return str(TIMELINE_KINDS.get(action, action.partition(".")[0]))


def add_to_timeline(session: Session, recorded: Recorded) -> None:
    """Add the change's timeline sentence to its incident; data carries the audit seq."""
    change = recorded.change
    if change.incident_id is None or not change.timeline:
        return
    timeline.add_entry(
        session,
        change.incident_id,
        kind=timeline_kind(change.action),
        message=change.timeline,
        actor=change.actor.name,
        data={**change.data, "audit_seq": recorded.audit_seq},
    )
