"""Who holds which role on an incident (I2): assign, hand over, remove; each one recorded.

Every assignment is one ``changes.record`` call with action ``incident.role_assigned`` (or
``incident.role_removed``), whose ``data`` names the role, the new holder (``to``) and the
previous one (``from``): the timeline subscriber shows it, the outbox routes it to the new
holder. Assigning a role to the person who already holds it changes and records nothing.

Who may do what (docs/incidents.md, "Roles"):

- any responder (or higher) adds or removes responders and fills a role nobody holds;
- handing over or clearing the commander role takes the current commander, or a token of
  role commander or admin;
- handing over or clearing the communications role takes its current holder, the
  incident's commander, or a token of role commander or admin.

Roles stay correctable once the incident is resolved, so the postmortem names the right
people. Services never commit: the caller owns the unit of work.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import NAME_PATTERN, Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.exceptions import Forbidden, InvalidInput, NotFound
from blastwall.incidents.enums import IncidentRole
from blastwall.incidents.models import Incident, RoleAssignment
from blastwall.incidents.timeline import require_incident

ROLE_NAMES = ", ".join(IncidentRole)


def parse_role(role: IncidentRole | str) -> IncidentRole:
    """The role named ``role``, or ``InvalidInput`` listing the roles there are."""
    try:
        return IncidentRole(role)
    except ValueError:
        raise InvalidInput(f"unknown role {role!r}: use one of {ROLE_NAMES}") from None


def _check_name(name: str) -> str:
    if not re.fullmatch(NAME_PATTERN, name):
        raise InvalidInput(
            f"{name!r} is not a person's name: use lower-case letters, digits and . _ @ -, "
            "starting with a letter or digit (like a token name, e.g. alice)"
        )
    return name


def _check_may_replace(incident: Incident, role: IncidentRole, actor: Actor) -> None:
    """Refuse to take a held commander or communications role from its holder without right."""
    if actor.role.at_least(Role.commander):
        return
    holder = incident.holders(role)[0]
    allowed = {holder} if role is IncidentRole.commander else {holder, incident.commander}
    if actor.name in allowed:
        return
    who = {
        IncidentRole.commander: "the current commander",
        IncidentRole.communications: "its current holder, the incident's commander",
    }[role]
    raise Forbidden(
        f"{actor.name} may not take the {role.label} role from {holder} on incident "
        f"{incident.id}: that needs {who}, or a token of role commander or admin"
    )


def _check_responder(actor: Actor) -> None:
    if not actor.role.at_least(Role.responder):
        raise Forbidden(
            f"{actor.name} has role {actor.role}; "
            "assigning incident roles needs responder or higher"
        )


def _system(incident: Incident) -> str | None:
    return incident.system.name if incident.system is not None else None


def _locked(session: Session, incident_id: int) -> Incident:
    incident = require_incident(session, incident_id, for_update=True)
    # Read the holders as they are now, under the lock, not as this session last saw them.
    session.refresh(incident, ["roles"])
    return incident


def assign(
    session: Session,
    incident_id: int,
    role: IncidentRole | str,
    to: str,
    actor: Actor,
    *,
    reason: str | None = None,
) -> Incident:
    """Give ``role`` to ``to``: a hand-over for commander and communications, an addition
    for responders. A no-op if ``to`` already holds it."""
    wanted = parse_role(role)
    _check_name(to)
    _check_responder(actor)
    incident = _locked(session, incident_id)
    holders = incident.holders(wanted)
    if to in holders:
        return incident
    previous = holders[0] if wanted.single and holders else None
    if previous is not None:
        _check_may_replace(incident, wanted, actor)
    _record(session, incident, wanted, actor, to=to, previous=previous, reason=reason)
    return incident


def remove(
    session: Session,
    incident_id: int,
    role: IncidentRole | str,
    person: str,
    actor: Actor,
    *,
    reason: str | None = None,
) -> Incident:
    """Take ``role`` away from ``person`` and leave it unheld (or one responder fewer)."""
    wanted = parse_role(role)
    _check_name(person)
    _check_responder(actor)
    incident = _locked(session, incident_id)
    holders = incident.holders(wanted)
    if person not in holders:
        now = ", ".join(holders) or "nobody"
        raise NotFound(
            f"{person} is not {wanted.label} on incident {incident.id} (holders now: {now}); "
            "`blastwall incident show ID` lists who holds which role"
        )
    if wanted.single:
        _check_may_replace(incident, wanted, actor)
    _record(session, incident, wanted, actor, to=None, previous=person, reason=reason)
    return incident


def take_command(session: Session, incident: Incident, actor: Actor) -> None:
    """Make ``actor`` commander of ``incident`` (already locked) if nobody commands it (I2)."""
    session.refresh(incident, ["roles"])
    if incident.commander is None:
        _record(
            session,
            incident,
            IncidentRole.commander,
            actor,
            to=actor.name,
            previous=None,
            reason="acknowledged the incident",
        )


def _sentence(role: IncidentRole, to: str | None, previous: str | None, reason: str) -> str:
    """The timeline line: ``alice is now commander (was bob): reason``."""
    if to is None:
        text = f"{previous} is no longer {role.label}"
    else:
        text = f"{to} is now {role.label}" + (f" (was {previous})" if previous else "")
    return text + (f": {reason}" if reason else "")


def _record(
    session: Session,
    incident: Incident,
    role: IncidentRole,
    actor: Actor,
    *,
    to: str | None,
    previous: str | None,
    reason: str | None,
) -> None:
    """Change the holders, then record it as one change (audit, timeline, outbox)."""
    before = incident.holders(role)
    for held in [r for r in incident.roles if r.role == role and r.person == previous]:
        incident.roles.remove(held)
    # Flush the removal first: a hand-over never leaves two holders, even for a moment.
    session.flush()
    if to is not None:
        incident.roles.append(
            RoleAssignment(role=role.value, person=to, assigned_at=utcnow(), assigned_by=actor.name)
        )
        session.flush()
    note = (reason or "").strip()
    record(
        session,
        Change(
            actor=actor,
            action="incident.role_removed" if to is None else "incident.role_assigned",
            target=f"incident:{incident.id}",
            reason=note,
            before={"role": role.value, "holders": before},
            after={"role": role.value, "holders": incident.holders(role)},
            incident_id=incident.id,
            system=_system(incident),
            timeline=_sentence(role, to, previous, note),
            data={"role": role.value, "to": to, "from": previous},
        ),
    )
