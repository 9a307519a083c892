"""The incident state machine (I1): one table of allowed moves and the milestones they set.

Forward skips are allowed because an on-call person at 2 a.m. acts first and records
later: a severity-1 goes straight from detected to contained. Closing without containing
(detected or triaged -> resolved) is for severity 3 only: an anomaly with no confirmed harm
is investigated and closed; anything worse is contained or mitigated first. A resolved
incident may be reopened to triaged; nothing moves out of postmortem_done.

>>> [s.value for s in allowed_next(Status.triaged, severity=1)]
['contained', 'mitigated']
>>> [s.value for s in allowed_next(Status.triaged, severity=3)]
['contained', 'mitigated', 'resolved']
"""

from __future__ import annotations

from datetime import datetime

from blastwall.exceptions import InvalidInput, InvalidTransition
from blastwall.incidents.enums import Status
from blastwall.incidents.models import Incident

TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.detected: (Status.triaged, Status.contained, Status.mitigated, Status.resolved),
    Status.triaged: (Status.contained, Status.mitigated, Status.resolved),
    Status.contained: (Status.mitigated, Status.resolved),
    Status.mitigated: (Status.resolved,),
    Status.resolved: (Status.triaged, Status.postmortem_done),
    Status.postmortem_done: (),
}

# Moves that skip containment: only an anomaly without confirmed harm may close this way.
SEVERITY_3_ONLY = frozenset({(Status.detected, Status.resolved), (Status.triaged, Status.resolved)})


def parse_status(value: Status | str) -> Status:
    """``value`` as a Status, or InvalidInput listing the statuses there are."""
    try:
        return Status(value)
    except ValueError:
        choices = ", ".join(Status)
        raise InvalidInput(f"status {value!r} is unknown: choose one of {choices}") from None


def allowed_next(status: Status | str, severity: int) -> tuple[Status, ...]:
    """The statuses an incident in ``status`` at ``severity`` may move to, in lifecycle order."""
    current = parse_status(status)
    return tuple(
        target
        for target in TRANSITIONS[current]
        if severity == 3 or (current, target) not in SEVERITY_3_ONLY
    )


def _refusal(incident: Incident, current: Status, target: Status) -> str:
    label = f"incident {incident.id}" if incident.id is not None else "the incident"
    allowed = allowed_next(current, incident.severity)
    listed = ", ".join(allowed)
    if not allowed:
        return (
            f"{label} is {current}, which is final: nothing moves out of it; "
            "open a new incident if the problem recurs"
        )
    if target == current:
        return f"{label} is already {current}; allowed next: {listed}"
    if (current, target) in SEVERITY_3_ONLY:
        return (
            f"{label} is severity {incident.severity}: contain or mitigate it before resolving "
            f"(or lower its harm if it was a false alarm); allowed next from {current}: {listed}"
        )
    return f"{label} cannot move from {current} to {target}; allowed next: {listed}"


def refusal_to(incident: Incident, target: Status | str) -> str:
    """Why ``incident`` may not move to ``target``: the detail ``transition`` would raise."""
    return _refusal(incident, Status(incident.status), parse_status(target))


def transition(
    incident: Incident, target: Status | str, at: datetime, *, acknowledge: bool = True
) -> Status:
    """Move ``incident`` to ``target`` and set its milestones; returns the previous status.

    Raises InvalidTransition (listing the allowed next statuses) and changes nothing if the
    move is not in the table.
    """
    current, target = Status(incident.status), parse_status(target)
    allowed = allowed_next(current, incident.severity)
    if target not in allowed:
        raise InvalidTransition(
            _refusal(incident, current, target),
            current=current.value,
            allowed=[s.value for s in allowed],
        )
    incident.status = target.value
    # Whoever moves an incident has seen it, so the move acknowledges it if nobody had.
    # An automatic move (a policy's containment) is seen by nobody: ``acknowledge=False``.
    if acknowledge:
        incident.acknowledged_at = incident.acknowledged_at or at
    if target in (Status.contained, Status.mitigated):
        # A mitigation also stops the bleeding, so it counts as containment if none came first.
        incident.contained_at = incident.contained_at or at
    if target is Status.mitigated:
        incident.mitigated_at = incident.mitigated_at or at
    if target is Status.resolved:
        incident.resolved_at = at
    if target is Status.triaged and current is Status.resolved:
        # Reopened: it is not resolved any more, and MTTR must come from the final resolution.
        incident.resolved_at = None
    if target is Status.postmortem_done:
        incident.postmortem_done_at = incident.postmortem_done_at or at
    return current
