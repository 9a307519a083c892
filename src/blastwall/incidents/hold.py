"""Evidence hold (F4, EU AI Act Art. 73(6)): while an incident is under hold, every change
to its system is flagged on its timeline, and may be required to carry a reason.

Art. 73(6) asks a provider not to alter the AI system in a way that could affect a later
evaluation of the incident's causes before telling the authority. The hold does not stop
containment (a kill is often what the investigation needs); it makes each change visible
and, with ``require_reason``, justified. Set and cleared through recorded changes
(``incident.hold``, ``incident.release_hold``). Change-kernel subscribers (``blastwall.wiring``):
``refuse_without_reason`` first, ``flag_change`` after the timeline's, and ``hold_on_open``
and ``hold_on_raise``, which put an incident under hold when it opens at, or is raised to,
the severity its system's ``hold_severity`` says (default: severity 1).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, Recorded, record
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.incidents import service, timeline
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.registry.models import System

ARTICLE = "EU AI Act Art. 73(6)"
UNDER_HOLD = f"made under evidence hold ({ARTICLE})"
HOLD_ACTOR = Actor(name="evidence-hold", role=Role.responder)
# The domains whose changes alter a system (its levers, releases and rollbacks, its own
# configuration, monitors, canaries, review sampling, lever authority). Changes that record
# the investigation, observations, communications or people never do; a new domain that
# alters systems is added here.
SYSTEM_CHANGES = frozenset(
    {
        "lever",
        "release",
        "system",
        "monitor",
        "canary_set",
        "canary_target",
        "review",
        "authority",
    }
)
_TARGET_SEPARATORS = re.compile(r"[/@]")


class ReasonRequired(Conflict):
    """A change to a system under evidence hold came without a reason."""

    title = "Reason required under evidence hold"


def hold(
    session: Session,
    incident_id: int,
    actor: Actor,
    *,
    require_reason: bool = False,
    reason: str = "",
) -> Incident:
    """Put the incident under evidence hold (again, to change ``require_reason``)."""
    incident = _get(session, incident_id)
    before = _state(incident)
    incident.evidence_hold = True
    incident.hold_requires_reason = require_reason
    if _state(incident) == before:
        return incident
    rule = "changes to it need a reason" if require_reason else "changes to it are flagged"
    sentence = f"evidence hold on ({ARTICLE}): {rule}"
    _record(
        session, incident, actor, "incident.hold", before=before, reason=reason, sentence=sentence
    )
    return incident


def release(session: Session, incident_id: int, actor: Actor, *, reason: str) -> Incident:
    """End the evidence hold; the reason (e.g. "authority notified") is required."""
    if not reason.strip():
        raise InvalidInput(
            "releasing an evidence hold needs a reason, e.g. 'report sent to the authority'; "
            "pass --reason"
        )
    incident = _get(session, incident_id)
    if not incident.evidence_hold:
        raise Conflict(
            f"incident {incident_id} is not under evidence hold; nothing to release "
            f"(`blastwall incident hold {incident_id}` sets one)"
        )
    before = _state(incident)
    incident.evidence_hold = False
    incident.hold_requires_reason = False
    _record(
        session,
        incident,
        actor,
        "incident.release_hold",
        before=before,
        reason=reason,
        sentence="evidence hold released",
    )
    return incident


def hold_on_open(session: Session, recorded: Recorded) -> None:
    """Subscriber of ``incident.open``: hold it when its severity reaches the system's
    ``hold_severity`` (1 by default; 0 never). Audited as its own ``incident.hold``; on the
    timeline it is part of the "opened" entry rather than an entry of its own."""
    _hold_if_severe(session, recorded, "severity {severity} opens under evidence hold")


def hold_on_raise(session: Session, recorded: Recorded) -> None:
    """Subscriber of ``incident.update``: a severity raised to the system's ``hold_severity``
    puts the incident under hold as if it had opened there (a lowered one changes nothing:
    the hold is released by a person, with a reason)."""
    severity = (recorded.change.after or {}).get("severity")
    before = (recorded.change.before or {}).get("severity")
    if isinstance(severity, int) and isinstance(before, int) and severity < before:
        _hold_if_severe(session, recorded, "severity raised to {severity}: under evidence hold")


def _hold_if_severe(session: Session, recorded: Recorded, why: str) -> None:
    change = recorded.change
    if change.incident_id is None:
        return
    incident = session.get(Incident, change.incident_id)
    if incident is None or incident.system is None or incident.evidence_hold:
        return
    if incident.severity > incident.system.hold_severity:
        return
    before = _state(incident)
    incident.evidence_hold = True
    reason = why.format(severity=incident.severity)
    _record(
        session, incident, HOLD_ACTOR, "incident.hold", before=before, reason=reason, sentence=""
    )
    _amend(session, incident.id, recorded.audit_seq, f"; evidence hold on ({ARTICLE})")


def refuse_without_reason(session: Session, recorded: Recorded) -> None:
    """Subscriber of every change, before any other acts on it: refuse a change without a
    reason to a system held by an incident whose hold requires one."""
    change = recorded.change
    system = system_of(change)
    if system is None or change.reason.strip():
        return
    strict = [i.id for i in _holding(session, system) if i.hold_requires_reason]
    if strict:
        numbers = ", ".join(f"#{n}" for n in strict)
        raise ReasonRequired(
            f"{system} is under evidence hold for incident {numbers} ({ARTICLE}), "
            f"which requires a reason for every change to it: retry {change.action} with a "
            'reason (--reason / "reason"), or release the hold once the authority is told'
        )


def flag_change(session: Session, recorded: Recorded) -> None:
    """Subscriber of every change, after the timeline's: flag a change to a held system on
    each holding incident's timeline (its own entry, if the change was made for that
    incident; else a ``hold`` entry)."""
    change = recorded.change
    system = system_of(change)
    if system is None:
        return
    why = f" Why: {change.reason}" if change.reason else ""
    for incident in _holding(session, system):
        if change.incident_id == incident.id and change.timeline:
            _amend(session, incident.id, recorded.audit_seq, f" ({UNDER_HOLD})")
            continue
        timeline.add_entry(
            session,
            incident.id,
            kind="hold",
            message=f"{change.action} on {change.target} by {change.actor.name} {UNDER_HOLD}.{why}",
            actor=change.actor.name,
            data={"audit_seq": recorded.audit_seq, "action": change.action, "under_hold": True},
        )


def _holding(session: Session, system: str) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident)
            .join(System, Incident.system_id == System.id)
            .where(System.name == system, Incident.evidence_hold.is_(True))
            .order_by(Incident.id)
        )
    )


def _amend(session: Session, incident_id: int, audit_seq: int, suffix: str) -> None:
    """Add ``suffix`` to the timeline entry the change with ``audit_seq`` wrote, if any."""
    entries = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.id.desc())
        .limit(5)
    )
    for entry in entries:
        if entry.data.get("audit_seq") == audit_seq:
            entry.message += suffix
            entry.data = {**entry.data, "under_hold": True}
            return


def system_of(change: Change) -> str | None:
    """The system a change alters: ``Change.system``, else the name its target starts with
    (``support-bot/prod``, ``support-bot@r12``, ``system:support-bot``, ``support-bot``);
    None for changes that never alter a system."""
    if change.domain not in SYSTEM_CHANGES:
        return None
    if change.system is not None:
        return change.system
    target = change.target.removeprefix("system:")
    return _TARGET_SEPARATORS.split(target, maxsplit=1)[0] or None


def _get(session: Session, incident_id: int) -> Incident:
    return service.get(session, incident_id, for_update=True)


def _state(incident: Incident) -> dict[str, bool]:
    return {
        "evidence_hold": incident.evidence_hold,
        "require_reason": incident.hold_requires_reason,
    }


def _record(
    session: Session,
    incident: Incident,
    actor: Actor,
    action: str,
    *,
    before: dict[str, bool],
    reason: str,
    sentence: str,
) -> None:
    why = f". Why: {reason}" if reason else ""
    record(
        session,
        Change(
            action=action,
            target=f"incident/{incident.id}",
            actor=actor,
            reason=reason,
            before=before,
            after=_state(incident),
            incident_id=incident.id,
            system=incident.system.name if incident.system is not None else None,
            timeline=sentence + why if sentence else "",
        ),
    )
