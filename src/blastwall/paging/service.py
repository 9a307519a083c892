"""Escalation: page level 1 when an incident opens, the next level when nobody acknowledges,
the whole policy again ``repeat`` times, and stop on acknowledgement or resolution.

``start`` and ``stop`` are in-transaction subscribers of the change kernel
(``blastwall.wiring``): the escalation state, the pages and the change that caused them
commit together. ``escalate`` is what the escalation task runs for a row whose delay ran out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes import Change, Recorded, record
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident
from blastwall.notify import outbox
from blastwall.notify.compose import Facts, compose
from blastwall.notify.enums import ChannelType, Event
from blastwall.notify.models import NotifyChannel
from blastwall.oncall import resolve as oncall
from blastwall.oncall.models import Person, Policy
from blastwall.paging import page
from blastwall.paging.models import Escalation

RESOLVED = "resolved"
CLOSED = frozenset({RESOLVED, "postmortem_done"})


def get(session: Session, incident_id: int) -> Escalation | None:
    """The escalation of an incident, or None when no policy covered it."""
    return session.scalar(select(Escalation).where(Escalation.incident_id == incident_id))


def start(session: Session, recorded: Recorded) -> None:
    """On ``incident.open``: page level 1 of the covering policy (none: nothing happens)."""
    incident_id = recorded.change.incident_id
    if incident_id is None:
        return
    incident = incidents.get(session, incident_id)
    system = incident.system.name if incident.system else ""
    policy = oncall.covering_policy(session, system, incident.severity)
    if policy is None:
        return
    now = recorded.entry.at
    row = Escalation(incident_id=incident.id, policy=policy.name, level=1, round=0, paged_at=now)
    session.add(row)
    if policy.pagerduty_service:
        page.service(session, incident, policy.pagerduty_service, policy=policy.name)
    else:
        _page_level(session, incident, policy, row, now)
    session.flush()


def _people(session: Session, policy: Policy, level: int, now: datetime) -> list[Person]:
    seen: dict[str, Person] = {}
    for stored in policy.levels[level - 1]["targets"]:
        for person in oncall.on_call(session, oncall.Target.of(stored), now):
            seen.setdefault(person.name, person)
    return list(seen.values())


def _page_level(
    session: Session, incident: Incident, policy: Policy, row: Escalation, now: datetime
) -> None:
    people = _people(session, policy, row.level, now)
    for person in people:
        page.person(session, incident, person, level=row.level, round_=row.round, now=now)
    if not people:
        page.nobody(session, incident, level=row.level, round_=row.round)
    delay = float(policy.levels[row.level - 1]["delay_minutes"])
    row.paged_at = now
    row.next_escalation_at = now + timedelta(minutes=delay)


def _halt(row: Escalation, now: datetime, why: str) -> None:
    row.stopped_at = now
    row.stopped_why = why
    row.next_escalation_at = None


def escalate(session: Session, row: Escalation, now: datetime) -> None:
    """Page the next level (or the first again, for a repeat), or stop when none is left."""
    incident = incidents.get(session, row.incident_id)
    if incident.acknowledged_at is not None or incident.status in CLOSED:
        _halt(row, now, f"incident {incident.status}")  # a stop the subscriber missed
        return
    policy = session.scalar(select(Policy).where(Policy.name == row.policy))
    if policy is None or not policy.levels:
        _finish(session, incident, row, now, f"policy {row.policy} no longer has levels")
        return
    if row.level < len(policy.levels):
        row.level += 1
    elif row.round < policy.repeat:
        row.round += 1
        row.level = 1
    else:
        rounds = policy.repeat + 1
        _finish(
            session,
            incident,
            row,
            now,
            f"nobody acknowledged after {rounds} round(s) of policy {policy.name}",
        )
        return
    _page_level(session, incident, policy, row, now)


def _finish(session: Session, incident: Incident, row: Escalation, now: datetime, why: str) -> None:
    _halt(row, now, why)
    record(
        session,
        Change(
            action="incident.escalation_stopped",
            target=f"incident/{incident.id}",
            actor=page.ESCALATION,
            reason=why,
            after={"stopped_why": why},
            incident_id=incident.id,
            system=incident.system.name if incident.system else None,
            timeline=f"Escalation stopped: {why}",
            data={"policy": row.policy, "level": row.level, "round": row.round},
        ),
    )


def stop(session: Session, recorded: Recorded) -> None:
    """On acknowledgement or resolution: stop escalating, and tell the PagerDuty services
    that were paged (``acknowledge``/``resolve`` with the incident's ``dedup_key``)."""
    change = recorded.change
    if change.incident_id is None:
        return
    if change.action == "incident.acknowledge":
        event, why = Event.incident_acknowledged, f"acknowledged by {change.actor.name}"
    elif change.action == "incident.transition" and (change.after or {}).get("status") == RESOLVED:
        event, why = Event.incident_resolved, f"resolved by {change.actor.name}"
    else:
        return
    row = get(session, change.incident_id)
    if row is None:
        return
    if row.stopped_at is None:
        _halt(row, recorded.entry.at, why)
    _tell_pagerduty(session, recorded, event.value)


def _tell_pagerduty(session: Session, recorded: Recorded, event: str) -> None:
    """Queue ``event`` for every PagerDuty target a page went to that a route has not
    already queued this change for (a route's message and ours would be the same event)."""
    incident_id = recorded.change.incident_id
    assert incident_id is not None
    targets = pagerduty_pages(session, incident_id)
    if not targets:
        return
    session.flush()  # the route's rows for this change (notify.outbox.enqueue) are visible
    already = outbox.queued_for(session, recorded.audit_seq)
    incident = incidents.get(session, incident_id)
    facts = Facts(incident.system.name if incident.system else None, incident.severity)
    base = compose(recorded, event, facts, incident)
    for channel, recipient in sorted(targets - already):
        message = replace(base, recipient=recipient or None)
        outbox.queue(session, recorded, message, channel, recipient=recipient)


def pagerduty_pages(session: Session, incident_id: int) -> set[tuple[str, str]]:
    """The (PagerDuty channel, recipient) pairs the incident's pages went to."""
    pd = set(
        session.scalars(
            select(NotifyChannel.name).where(NotifyChannel.type == ChannelType.pagerduty.value)
        )
    )
    return {(c, r) for c, r in outbox.paged(session, incident_id, page.PAGED) if c in pd}


def due(session: Session, now: datetime) -> Escalation | None:
    """One escalation whose delay ran out, locked for this transaction; on PostgreSQL rows
    another replica holds are skipped (SKIP LOCKED)."""
    return session.scalar(
        select(Escalation)
        .where(Escalation.stopped_at.is_(None), Escalation.next_escalation_at <= now)
        .order_by(Escalation.next_escalation_at, Escalation.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
