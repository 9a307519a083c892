"""Sending pages: one ``incident.paged`` change per person, its messages in the outbox.

Each page is recorded (audited, on the incident's timeline: "Paged ana (level 1) by e-mail,
slack") and its messages are queued with that change's sequence number, in the same
transaction, one per (channel, recipient): a page is never lost and never sent twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, Recorded, record
from blastwall.config import get_settings
from blastwall.incidents.models import Incident
from blastwall.notify import outbox
from blastwall.notify.compose import Facts, compose
from blastwall.notify.message import Link
from blastwall.oncall.models import Person
from blastwall.paging import addresses, links

ESCALATION = Actor(name="escalation", role=Role.responder)
PAGED = "incident.paged"
"""The action of a page and the event of its messages (PagerDuty: a ``trigger``)."""


def _target(incident: Incident) -> str:
    return f"incident/{incident.id}"


def _facts(incident: Incident) -> Facts:
    return Facts(incident.system.name if incident.system else None, incident.severity)


def _where(level: int, round_: int) -> str:
    return f"level {level}" + (f", repeat {round_}" if round_ else "")


def person(
    session: Session, incident: Incident, who: Person, *, level: int, round_: int, now: datetime
) -> Recorded:
    """Page ``who`` on every contact method that has a channel; record it."""
    found, missing = addresses.of(session, who)
    methods = ", ".join(dict.fromkeys(a.method for a in found))
    where = _where(level, round_)
    sentence = (
        f"Paged {who.name} ({where}) by {methods}"
        if found
        else f"Could not page {who.name} ({where})"
    )
    if missing:
        sentence += f"; no channel can send {', '.join(missing)} (see blastwall notify channels)"
    recorded = record(
        session,
        Change(
            action=PAGED,
            target=_target(incident),
            actor=ESCALATION,
            after={"person": who.name, "level": level, "round": round_},
            incident_id=incident.id,
            system=_facts(incident).system,
            timeline=sentence,
            data={
                "person": who.name,
                "level": level,
                "round": round_,
                "sent": [{"channel": a.channel, "method": a.method} for a in found],
                "missing": missing,
            },
        ),
    )
    base = compose(recorded, PAGED, _facts(incident), incident)
    summary = (
        f"{who.display_name or who.name}, you are paged ({where}) for incident "
        f"#{incident.id}, severity {incident.severity}: {incident.title}"
    )
    link = links.url(get_settings(), incident.id, who.name, now)
    extra = [Link(link, "Acknowledge")] if link else []
    for address in found:
        message = replace(
            base, summary=summary, recipient=address.recipient or None, links=base.links + extra
        )
        outbox.queue(session, recorded, message, address.channel, recipient=address.recipient)
    return recorded


def nobody(session: Session, incident: Incident, *, level: int, round_: int) -> Recorded:
    """Record that a level had nobody on call, so the timeline shows the gap."""
    return record(
        session,
        Change(
            action="incident.page_failed",
            target=_target(incident),
            actor=ESCALATION,
            after={"level": level, "round": round_},
            incident_id=incident.id,
            system=_facts(incident).system,
            timeline=f"Nobody paged at {_where(level, round_)}: nobody is on call there",
            data={"level": level, "round": round_},
        ),
    )


def service(session: Session, incident: Incident, channel: str, *, policy: str) -> Recorded:
    """Send one PagerDuty trigger to ``channel``: PagerDuty's own on-call escalates."""
    if addresses.sending(session, channel) is None:
        return record(
            session,
            Change(
                action="incident.page_failed",
                target=_target(incident),
                actor=ESCALATION,
                after={"pagerduty_service": channel},
                incident_id=incident.id,
                system=_facts(incident).system,
                timeline=(
                    f"Could not page PagerDuty service {channel} (policy {policy}): the channel "
                    "is not configured or cannot send (see blastwall notify channels)"
                ),
                data={"policy": policy, "channel": channel},
            ),
        )
    recorded = record(
        session,
        Change(
            action=PAGED,
            target=_target(incident),
            actor=ESCALATION,
            after={"pagerduty_service": channel},
            incident_id=incident.id,
            system=_facts(incident).system,
            timeline=f"Paged PagerDuty service {channel} (policy {policy}); PagerDuty escalates",
            data={"policy": policy, "sent": [{"channel": channel, "method": "pagerduty"}]},
        ),
    )
    message = compose(recorded, PAGED, _facts(incident), incident)
    outbox.queue(session, recorded, message, channel)
    return recorded
