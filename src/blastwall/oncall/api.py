"""Routes for on-call: read people, schedules, policies and coverage; who is on call now;
overrides (responder and above, audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime

from blastwall.db.base import utcnow
from blastwall.inputs import RowId
from blastwall.oncall import resolve, service
from blastwall.oncall.models import Override
from blastwall.oncall.schemas import (
    CoverageRead,
    HandoffRead,
    LevelNowRead,
    OnCallNowRead,
    OverrideCancel,
    OverrideCreate,
    OverrideRead,
    PersonRead,
    PersonRef,
    PolicyRead,
    ScheduleRead,
    TargetNowRead,
)
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(prefix="/oncall", tags=["oncall"], responses=AUTHENTICATED)


# Contact details (e-mail, phone, Slack id) are for responders, not for every viewer token
# (the SDK's, a dashboard's): `now` shows viewers names and handles only.
@router.get("/people", response_model=ItemsPage[PersonRead], responses=ONE)
def list_people(session: DbSession, _: Responder, page: Paging) -> ItemsPage[PersonRead]:
    return ItemsPage.of(service.list_people(session, page), PersonRead.model_validate)


@router.get("/people/{name}", response_model=PersonRead, responses=ONE)
def get_person(name: str, session: DbSession, _: Responder) -> PersonRead:
    return PersonRead.model_validate(service.get_person(session, name))


@router.get("/schedules", response_model=ItemsPage[ScheduleRead], responses=ONE)
def list_schedules(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[ScheduleRead]:
    return ItemsPage.of(service.list_schedules(session, page), ScheduleRead.model_validate)


@router.get("/schedules/{name}", response_model=ScheduleRead, responses=ONE)
def get_schedule(name: str, session: DbSession, _: Viewer) -> ScheduleRead:
    return ScheduleRead.model_validate(service.get_schedule(session, name))


@router.get("/schedules/{name}/overrides", response_model=ItemsPage[OverrideRead], responses=ONE)
def list_overrides(
    name: str, session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[OverrideRead]:
    """Overrides not yet ended, oldest first."""
    found = service.list_overrides(session, name, ending_after=utcnow(), page=page)
    names = service.person_names(session, {o.person_id for o in found.items})
    return ItemsPage.of(found, lambda o: _override(o, name, names[o.person_id]))


@router.post(
    "/schedules/{name}/overrides", response_model=OverrideRead, status_code=201, responses=WRITE
)
def create_override(
    name: str, body: OverrideCreate, session: DbSession, actor: Responder
) -> OverrideRead:
    override = service.create_override(
        session,
        name,
        person=body.person,
        starts_at=body.from_,
        ends_at=body.to,
        reason=body.reason.strip(),
        actor=actor,
    )
    return _override(override, name, body.person)


@router.post("/schedules/{name}/overrides/{override_id}/cancel", status_code=204, responses=WRITE)
def cancel_override(
    name: str, override_id: RowId, body: OverrideCancel, session: DbSession, actor: Responder
) -> Response:
    service.cancel_override(session, name, override_id, reason=body.reason.strip(), actor=actor)
    return Response(status_code=204)


@router.get("/policies", response_model=ItemsPage[PolicyRead], responses=ONE)
def list_policies(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[PolicyRead]:
    return ItemsPage.of(service.list_policies(session, page), PolicyRead.model_validate)


@router.get("/policies/{name}", response_model=PolicyRead, responses=ONE)
def get_policy(name: str, session: DbSession, _: Viewer) -> PolicyRead:
    return PolicyRead.model_validate(service.get_policy(session, name))


@router.get("/coverage", response_model=ItemsPage[CoverageRead], responses=ONE)
def list_coverage(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[CoverageRead]:
    found = service.list_coverage(session, page)
    names = service.policy_names(session, {rule.policy_id for rule in found.items})
    return ItemsPage.of(
        found,
        lambda r: CoverageRead(policy=names[r.policy_id], systems=r.systems, severity=r.severities),
    )


@router.get("/now", response_model=OnCallNowRead, responses=ONE)
def on_call_now(
    session: DbSession,
    _: Viewer,
    system: Annotated[str, Query(max_length=100, description="A registered system.")],
    severity: Annotated[
        int, Query(ge=1, le=3, description="Severity of the page (1 most severe).")
    ] = resolve.DEFAULT_SEVERITY,
    at: Annotated[
        AwareDatetime | None,
        Query(description="Instant to ask about, ISO 8601 with an offset; default now."),
    ] = None,
) -> OnCallNowRead:
    """Who each level of the policy covering ``system`` pages, and each schedule's next
    hand-off."""
    found = resolve.now(session, system, severity, at or utcnow())
    return _now(found)


def _override(override: Override, schedule: str, person: str) -> OverrideRead:
    return OverrideRead(
        id=override.id,
        schedule=schedule,
        person=person,
        from_=override.starts_at,
        to=override.ends_at,
        reason=override.reason,
        created_by=override.created_by,
        created_at=override.created_at,
    )


def _ref(person: object | None) -> PersonRef | None:
    return PersonRef.model_validate(person) if person is not None else None


def _now(found: resolve.OnCallNow) -> OnCallNowRead:
    levels = []
    for level in found.levels:
        targets = [
            TargetNowRead(
                kind=t.kind,
                name=t.name,
                on_call=_ref(t.on_call),
                next=HandoffRead(at=t.next_at, person=_ref(t.next_person)) if t.next_at else None,
            )
            for t in level.targets
        ]
        people = [PersonRef.model_validate(p) for p in level.people]
        levels.append(
            LevelNowRead(
                level=level.level, delay_minutes=level.delay_minutes, people=people, targets=targets
            )
        )
    policy = found.policy
    return OnCallNowRead(
        system=found.system,
        severity=found.severity,
        at=found.at,
        policy=policy.name if policy else None,
        pagerduty_service=policy.pagerduty_service if policy else None,
        repeat=policy.repeat if policy else 0,
        levels=levels,
    )
