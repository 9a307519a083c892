"""Draft, send and export the notice to an incident's affected users.

Whether a notice is required follows the ``communications.notice`` rule (default: severity
1 that reached at least one user). The draft is filled from the record: the incident (what
happened), the blast radius (the consequence, in numbers), the timeline's levers,
rollbacks and status changes (what was done) and the advice given (what the user should
do). Blastwall does not e-mail users itself: the operator sends the notice with their own
tools, then marks it sent per channel, or exports the recipients; each is a recorded change
and one ledger entry per channel with the exact text, its hash and the recipient count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.access.service import require_role
from blastwall.blastradius import service as blastradius
from blastwall.blastradius.schemas import BlastRadius
from blastwall.changes import Change, record
from blastwall.comms import ledger, templates
from blastwall.comms.enums import MessageKind
from blastwall.config import get_settings
from blastwall.exceptions import InvalidInput
from blastwall.incidents import service as incidents
from blastwall.incidents.models import Incident
from blastwall.updates import config

DEFAULT_ADVICE = (
    "You do not need to do anything. If something you received from us looked wrong, "
    "do not rely on it and contact our support team."
)
DONE_KINDS = ("lever", "rollback", "status", "release", "policy")
"""Timeline kinds that say what was done to contain and fix the incident."""
TEMPLATE = "default"


@dataclass(frozen=True)
class Rule:
    """Whether users must be told, and why (the rule and the numbers it was decided on)."""

    required: bool
    reason: str


@dataclass(frozen=True)
class Draft:
    """A notice as drafted now: its text, whether it is required, and its numbers."""

    incident_id: int
    text: str
    rule: Rule
    radius: BlastRadius


def decide(session: Session, incident: Incident, radius: BlastRadius) -> Rule:
    """Apply the ``communications.notice`` rule to ``incident`` and its blast radius."""
    settings = config.current(session)
    severities = ", ".join(str(s) for s in settings.notice_severities)
    if incident.severity not in settings.notice_severities:
        return Rule(False, f"severity {incident.severity} is not in the notice rule ({severities})")
    if radius.users < settings.notice_min_users:
        return Rule(
            False,
            f"{radius.users} affected user(s), fewer than the rule's {settings.notice_min_users}",
        )
    return Rule(True, f"severity {incident.severity} reached {radius.users} user(s)")


def _done(incident: Incident) -> list[str]:
    return [entry.message for entry in incident.timeline if entry.kind in DONE_KINDS]


def draft(session: Session, incident_id: int, *, advice: str | None = None) -> Draft:
    """The notice for ``incident_id`` drafted from the record (nothing is written)."""
    incident = incidents.get(session, incident_id)
    radius = blastradius.compute(session, incident_id)
    context = {
        "id": incident.id,
        "title": incident.title,
        "summary": incident.summary.strip() or incident.title,
        "severity": incident.severity,
        "affected": incident.system.name if incident.system is not None else "our service",
        "start": incident.started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "end": radius.end.strftime("%Y-%m-%d %H:%M UTC"),
        "users": radius.users,
        "traces": radius.traces,
        "irreversible_actions": radius.irreversible_actions,
        "reversible_actions": radius.reversible_actions,
        "done": _done(incident),
        "advice": (advice or "").strip() or DEFAULT_ADVICE,
    }
    text = templates.render("notices", TEMPLATE, context, get_settings().comms_templates_dir)
    return Draft(incident.id, text, decide(session, incident, radius), radius)


def _recipients(count: int) -> str:
    return f"{count} affected user(s)"


def mark_sent(
    session: Session,
    incident_id: int,
    actor: Actor,
    *,
    channels: Sequence[str],
    advice: str | None = None,
) -> Draft:
    """Record that the notice went out on ``channels`` (``email``, ``in-app``...); one
    ledger entry per channel with the exact text and the recipient count."""
    require_role(actor, Role.commander)
    names = list(dict.fromkeys(c.strip() for c in channels if c.strip()))
    if not names:
        raise InvalidInput("name at least one channel the notice went out on (--channel email)")
    made = draft(session, incident_id, advice=advice)
    _record(session, made, actor, "incident.notice_sent", names, count=made.radius.users)
    return made


def export(
    session: Session, incident_id: int, actor: Actor, *, advice: str | None = None
) -> tuple[Draft, list[str]]:
    """The notice and its recipients' user ids, the export recorded (ledger channel
    ``export``); commanders only, since the list names people."""
    require_role(actor, Role.commander)
    made = draft(session, incident_id, advice=advice)
    users = list(blastradius.affected_users(session, incident_id))
    _record(session, made, actor, "incident.notice_exported", ["export"], count=len(users))
    return made, users


def _record(
    session: Session,
    made: Draft,
    actor: Actor,
    action: str,
    channels: list[str],
    *,
    count: int,
) -> None:
    verb = "exported" if action.endswith("exported") else f"sent by {', '.join(channels)}"
    recorded = record(
        session,
        Change(
            action=action,
            target=f"incident/{made.incident_id}",
            actor=actor,
            after={"channels": channels, "recipients": count, "sha256": ledger.digest(made.text)},
            incident_id=made.incident_id,
            timeline=f"Notice to {_recipients(count)} {verb}",
            data={"channels": channels, "recipients": count},
        ),
    )
    for channel in channels:
        ledger.append(
            session,
            kind=MessageKind.notice,
            channel=channel,
            recipient=_recipients(count),
            text=made.text,
            actor=actor.name,
            incident_id=made.incident_id,
            ref=f"audit:{recorded.audit_seq}",
            at=recorded.entry.at,
        )
