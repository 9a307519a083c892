"""Reads of on-call records, and overrides: a person on call for a period, made in operations.

People, schedules, policies and coverage are written by applying ``blastwall.yaml``
(``oncall.config``); overrides are the one thing changed from the CLI or API, by a
responder or above, each one audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.oncall.models import CoverageRule, Override, Person, Policy, Schedule
from blastwall.oncall.rotation import out_of_range

MAX_OVERRIDE = timedelta(days=90)
"""Longest override: a longer change of who is on call belongs in the schedule's layers."""


def get_person(session: Session, name: str) -> Person:
    person = session.scalar(select(Person).where(Person.name == name))
    if person is None:
        raise NotFound(f"no person named {name!r}; `blastwall oncall list` shows the people")
    return person


def list_people(session: Session, page: PageQuery | None = None) -> Page[Person]:
    """People by name."""
    return paginate(session, select(Person), keys=[Person.name], list_name="people", page=page)


def get_schedule(session: Session, name: str) -> Schedule:
    schedule = session.scalar(select(Schedule).where(Schedule.name == name))
    if schedule is None:
        raise NotFound(f"no schedule named {name!r}; `blastwall oncall list` shows the schedules")
    return schedule


def list_schedules(session: Session, page: PageQuery | None = None) -> Page[Schedule]:
    """Schedules by name."""
    query = select(Schedule)
    return paginate(session, query, keys=[Schedule.name], list_name="schedules", page=page)


def get_policy(session: Session, name: str) -> Policy:
    policy = session.scalar(select(Policy).where(Policy.name == name))
    if policy is None:
        raise NotFound(
            f"no escalation policy named {name!r}; `blastwall oncall list` shows the policies"
        )
    return policy


def list_policies(session: Session, page: PageQuery | None = None) -> Page[Policy]:
    """Escalation policies by name."""
    query = select(Policy)
    return paginate(session, query, keys=[Policy.name], list_name="policies", page=page)


def list_coverage(session: Session, page: PageQuery | None = None) -> Page[CoverageRule]:
    """Coverage rules in file order."""
    query = select(CoverageRule)
    keys = [CoverageRule.position, CoverageRule.id]
    return paginate(session, query, keys=keys, list_name="coverage", page=page)


def list_overrides(
    session: Session, schedule: str, *, ending_after: datetime, page: PageQuery | None = None
) -> Page[Override]:
    """The schedule's overrides still in force after ``ending_after``, oldest first."""
    row = get_schedule(session, schedule)
    query = select(Override).where(Override.schedule_id == row.id, Override.ends_at > ending_after)
    return paginate(session, query, keys=[Override.id], list_name="overrides", page=page)


def create_override(
    session: Session,
    schedule: str,
    *,
    person: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor: Actor,
) -> Override:
    """Put ``person`` on call for ``schedule`` from ``starts_at`` to ``ends_at``; audited."""
    row = get_schedule(session, schedule)
    # Stored and answered in UTC, whatever offset the caller wrote.
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    for field, value in (("from", starts_at), ("to", ends_at)):
        problem = out_of_range(value)
        if problem:
            raise InvalidInput(f"{field}: {problem}")
    who = session.scalar(select(Person).where(Person.name == person))
    if who is None:
        raise InvalidInput(
            f"person: {person!r} is not declared under oncall.people; fix the name or add "
            "the person to blastwall.yaml and apply it"
        )
    if ends_at <= starts_at:
        raise InvalidInput(
            f"to: {ends_at.isoformat()} is not after from ({starts_at.isoformat()}): give an "
            "end later than the start"
        )
    if ends_at - starts_at > MAX_OVERRIDE:
        raise InvalidInput(
            f"to: the override lasts {ends_at - starts_at}, more than {MAX_OVERRIDE.days} days: "
            "change the schedule's layers in blastwall.yaml instead"
        )
    if ends_at <= utcnow():
        raise InvalidInput(
            f"to: {ends_at.isoformat()} is in the past, so the override would change nothing: "
            "give a period that has not ended"
        )
    override = Override(
        schedule_id=row.id,
        person_id=who.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=actor.name,
    )
    session.add(override)
    session.flush()
    after = {"person": person, "from": starts_at.isoformat(), "to": ends_at.isoformat()}
    record(
        session,
        Change(
            action="oncall.override",
            target=f"schedule/{schedule}",
            actor=actor,
            reason=reason,
            after={"id": override.id, **after},
            data={"schedule": schedule, **after},
        ),
    )
    return override


def cancel_override(
    session: Session, schedule: str, override_id: int, *, reason: str, actor: Actor
) -> None:
    """Remove an override of ``schedule`` made by mistake or no longer needed; audited."""
    row = get_schedule(session, schedule)
    override = session.get(Override, override_id)
    if override is None or override.schedule_id != row.id:
        raise NotFound(
            f"no override {override_id} on schedule {schedule!r}; `blastwall oncall list` "
            f"shows the schedules, GET /api/v1/oncall/schedules/{schedule}/overrides its "
            "overrides"
        )
    person = person_names(session, {override.person_id})[override.person_id]
    before = {
        "id": override.id,
        "person": person,
        "from": override.starts_at.isoformat(),
        "to": override.ends_at.isoformat(),
    }
    record(
        session,
        Change(
            action="oncall.override_cancel",
            target=f"schedule/{schedule}",
            actor=actor,
            reason=reason,
            before=before,
            data={"schedule": schedule, **before},
        ),
    )
    session.delete(override)
    session.flush()


def policy_names(session: Session, ids: set[int]) -> dict[int, str]:
    """``{id: name}`` of the escalation policies with ``ids``."""
    if not ids:
        return {}
    rows = session.execute(select(Policy.id, Policy.name).where(Policy.id.in_(ids)))
    return {row.id: row.name for row in rows}


def person_names(session: Session, ids: set[int]) -> dict[int, str]:
    """``{id: name}`` of the people with ``ids``."""
    if not ids:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
    return {row.id: row.name for row in rows}
