"""Reminders of an overdue update: the communications lead first, then the commander.

For each open incident whose update is overdue, the communications lead is reminded once;
once it has stayed overdue ``escalate_after`` longer, the commander is reminded once. Each
reminder is an ``incident.update_reminder`` change (audited, on the timeline) whose messages
go into the outbox to the person's own channels, as a page does. A reminder row per
(incident, due time, role), unique in the store, means a missed update is never reminded
twice, whichever tick or replica looks; posting an update starts a new period.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.incidents.enums import IncidentRole
from blastwall.incidents.models import Incident
from blastwall.notify import outbox
from blastwall.notify.compose import Facts, compose
from blastwall.oncall.models import Person
from blastwall.paging import addresses
from blastwall.updates import cadence, config
from blastwall.updates.models import UpdateReminder
from blastwall.updates.service import when

REMINDERS = Actor(name="update-reminders", role=Role.responder)
REMINDED = "incident.update_reminder"
ORDER = (IncidentRole.communications, IncidentRole.commander)
"""Who is reminded, in order: the communications lead at once, the commander later."""


def _open(session: Session) -> list[Incident]:
    query = select(Incident).where(Incident.status.not_in(cadence.CLOSED)).order_by(Incident.id)
    return list(session.scalars(query))


def _sent(session: Session, incident_id: int, due_at: datetime) -> set[str]:
    rows = session.scalars(
        select(UpdateReminder.role).where(
            UpdateReminder.incident_id == incident_id, UpdateReminder.due_at == due_at
        )
    )
    return set(rows)


def remind_due(session: Session, now: datetime) -> int:
    """Send every reminder due at ``now``; returns how many were recorded."""
    settings = config.current(session)
    sent = 0
    for incident in _open(session):
        clock = cadence.of(session, incident, now, settings)
        if not clock.overdue or clock.next_due is None:
            continue
        done = _sent(session, incident.id, clock.next_due)
        for role in ORDER:
            if role.value in done:
                continue
            if role is IncidentRole.commander:
                late_enough = clock.next_due + timedelta(seconds=settings.escalate_after_s)
                if now < late_enough:
                    break
            remind(session, incident, role, clock.next_due)
            sent += 1
    return sent


def remind(session: Session, incident: Incident, role: IncidentRole, due_at: datetime) -> None:
    """Remind whoever holds ``role`` on ``incident`` that the update due at ``due_at`` is late."""
    holder = next(iter(incident.holders(role.value)), None)
    person = (
        session.scalar(select(Person).where(Person.name == holder)) if holder is not None else None
    )
    found, missing = addresses.of(session, person) if person is not None else ([], [])
    methods = ", ".join(dict.fromkeys(a.method for a in found))
    late = f"Update overdue since {when(due_at)}"
    if holder is None:
        sentence = f"{late}: nobody holds the {role.label} role to remind"
    elif person is None:
        sentence = f"{late}: could not remind {holder} ({role.label}): not in the on-call people"
    elif not found:
        sentence = f"{late}: could not remind {holder} ({role.label}): no channel reaches them"
    else:
        sentence = f"{late}: reminded {holder} ({role.label}) by {methods}"
    if missing:
        sentence += f"; no channel can send {', '.join(missing)}"
    system = incident.system.name if incident.system is not None else None
    recorded = record(
        session,
        Change(
            action=REMINDED,
            target=f"incident/{incident.id}",
            actor=REMINDERS,
            after={"role": role.value, "person": holder, "due_at": due_at.isoformat()},
            incident_id=incident.id,
            system=system,
            timeline=sentence,
            data={"role": role.value, "person": holder, "due_at": due_at.isoformat()},
        ),
    )
    session.add(
        UpdateReminder(
            incident_id=incident.id,
            due_at=due_at,
            role=role.value,
            person=holder,
            at=recorded.entry.at,
        )
    )
    if person is not None and found:
        base = compose(recorded, REMINDED, Facts(system, incident.severity), incident)
        summary = (
            f"{person.display_name or person.name}, the update for incident #{incident.id} "
            f"(severity {incident.severity}: {incident.title}) was due at {when(due_at)}. "
            f"Post one: blastwall incident update {incident.id} --message TEXT"
        )
        for address in found:
            message = replace(
                base, summary=summary, recipient=address.recipient or None, next_update_due=due_at
            )
            outbox.queue(session, recorded, message, address.channel, recipient=address.recipient)
    session.flush()
