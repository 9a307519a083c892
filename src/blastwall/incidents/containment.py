"""Containment moves the incident: a lever or rollback made for it marks it contained.

A lever pulled or a release rolled back with an ``incident_id`` (by a policy, the CLI or
the API) is the act of containment, so time-to-contain is measured without anyone moving
the status by hand. The move is its own ``incident.transition`` change, through the same
``service.transition`` every status change takes. Incidents may not import levers, so the
change's action and data are all this reads. A restore (levers back to normal) does not
un-contain: the incident stays where it is.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from blastwall.changes import Recorded
from blastwall.incidents import service
from blastwall.incidents.enums import Status
from blastwall.incidents.lifecycle import allowed_next

CONTAINING_ACTIONS = frozenset({"lever.kill", "lever.change", "release.rollback"})
"""Changes that contain; ``lever.restore`` and activations do not."""

AUTOMATIC_PREFIX = "policy:"
"""Actors that are auto-containment policies (``levers.authority.POLICY_PREFIX``)."""


def contain_on_change(session: Session, recorded: Recorded) -> None:
    """Move the change's incident to contained when the lifecycle allows it; else nothing."""
    change = recorded.change
    if change.incident_id is None or change.action not in CONTAINING_ACTIONS:
        return
    if change.action.startswith("lever.") and not _moves_a_lever(change.data):
        return
    incident = service.get(session, change.incident_id, for_update=True)
    if Status.contained not in allowed_next(incident.status, incident.severity):
        return  # already contained, mitigated, resolved: nothing to move
    what = "rollback" if change.action == "release.rollback" else change.action
    service.transition(
        session,
        incident.id,
        Status.contained,
        change.actor,
        note=f"contained by {what} on {change.target} (audit #{recorded.audit_seq})",
        # A person who pulls a lever for the incident has seen it; a policy has not, and
        # acknowledging would stop paging the people who must still come and look.
        acknowledge=not change.actor.name.startswith(AUTOMATIC_PREFIX),
    )


def _moves_a_lever(data: dict[str, object]) -> bool:
    """Whether the lever service's data (``after``: every lever) leaves any lever pulled.

    A change without that data was not made by the lever service; a change leaving every
    lever at rest is a restore written field by field: neither contains.
    """
    after = data.get("after")
    if not isinstance(after, dict):
        return False
    pulled = ("killed", "human_fallback", "safe_mode", "reroute_model", "filters")
    return any(after.get(k) for k in (*pulled, "disabled_tools")) or (
        after.get("retrieval_sources") is not None
    )
