"""Routes for incidents (open, classify, move, annotate) and the severity matrix."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from blastwall.access.schemas import NAME_PATTERN
from blastwall.idempotency.api import IdempotencyKeyHeader
from blastwall.incidents import intake, matrix, roles, service
from blastwall.incidents.enums import IncidentRole, Status
from blastwall.incidents.models import Incident
from blastwall.incidents.schemas import (
    IncidentCreate,
    IncidentRead,
    IncidentSummary,
    IncidentUpdate,
    MatrixRead,
    NoteCreate,
    NoteOptional,
    RoleAssign,
    SignalRead,
    SummaryRead,
    TimelineEntryRead,
    TransitionRequest,
)
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["incidents"], responses=AUTHENTICATED)


def _read(session: Session, incident: Incident) -> IncidentRead:
    return IncidentRead.of(incident, service.cell_of(session, incident))


@router.post("/incidents", response_model=IncidentRead, status_code=201, responses=WRITE)
def open_incident(
    body: IncidentCreate,
    session: DbSession,
    actor: Responder,
    idempotency_key: IdempotencyKeyHeader = None,
) -> IncidentRead:
    incident = service.open_once(session, body, actor, idempotency_key=idempotency_key)
    return _read(session, incident)


@router.get("/incidents", response_model=ItemsPage[IncidentSummary], responses=ONE)
def list_incidents(
    session: DbSession,
    _: Viewer,
    page: Paging,
    status: Status | None = None,
    system: str | None = None,
    severity: Annotated[int | None, Query(ge=1, le=3)] = None,
) -> ItemsPage[IncidentSummary]:
    found = service.list_(session, status=status, system=system, severity=severity, page=page)
    return ItemsPage.of(found, lambda i: IncidentSummary.of(i, service.cell_of(session, i)))


@router.get("/incidents/metrics", response_model=SummaryRead, responses=ONE)
def incident_metrics(session: DbSession, _: Viewer, system: str | None = None) -> SummaryRead:
    return SummaryRead(**asdict(service.metrics(session, system=system)))


@router.get("/incidents/{incident_id}", response_model=IncidentRead, responses=ONE)
def get_incident(incident_id: RowId, session: DbSession, _: Viewer) -> IncidentRead:
    return _read(session, service.get(session, incident_id))


@router.patch("/incidents/{incident_id}", response_model=IncidentRead, responses=WRITE)
def update_incident(
    incident_id: RowId, body: IncidentUpdate, session: DbSession, actor: Responder
) -> IncidentRead:
    return _read(session, service.update(session, incident_id, body, actor))


@router.post("/incidents/{incident_id}/transition", response_model=IncidentRead, responses=WRITE)
def transition_incident(
    incident_id: RowId, body: TransitionRequest, session: DbSession, actor: Responder
) -> IncidentRead:
    incident = service.transition(session, incident_id, body.to, actor, note=body.note)
    return _read(session, incident)


@router.post("/incidents/{incident_id}/acknowledge", response_model=IncidentRead, responses=WRITE)
def acknowledge_incident(
    incident_id: RowId, session: DbSession, actor: Responder, body: NoteOptional | None = None
) -> IncidentRead:
    note = body.note if body else None
    return _read(session, service.acknowledge(session, incident_id, actor, note=note))


@router.post("/incidents/{incident_id}/resolve", response_model=IncidentRead, responses=WRITE)
def resolve_incident(
    incident_id: RowId, session: DbSession, actor: Responder, body: NoteOptional | None = None
) -> IncidentRead:
    note = body.note if body else None
    return _read(session, service.resolve(session, incident_id, actor, note=note))


@router.post("/incidents/{incident_id}/roles", response_model=IncidentRead, responses=WRITE)
def assign_role(
    incident_id: RowId, body: RoleAssign, session: DbSession, actor: Responder
) -> IncidentRead:
    """Give a role to a person: hands over commander or communications, adds a responder."""
    incident = roles.assign(session, incident_id, body.role, body.to, actor, reason=body.reason)
    return _read(session, incident)


@router.delete(
    "/incidents/{incident_id}/roles/{role}/{person}", response_model=IncidentRead, responses=WRITE
)
def remove_role(
    *,
    incident_id: RowId,
    role: IncidentRole,
    person: Annotated[str, Path(pattern=NAME_PATTERN)],
    session: DbSession,
    actor: Responder,
    reason: Annotated[str | None, Query(min_length=1, max_length=2000)] = None,
) -> IncidentRead:
    """Take a role away from a person; the role is then unheld (or one responder fewer)."""
    incident = roles.remove(session, incident_id, role, person, actor, reason=reason)
    return _read(session, incident)


@router.post(
    "/incidents/{incident_id}/notes",
    response_model=TimelineEntryRead,
    status_code=201,
    responses=WRITE,
)
def add_note(
    incident_id: RowId, body: NoteCreate, session: DbSession, actor: Responder
) -> TimelineEntryRead:
    entry = service.add_note(session, incident_id, body.message, actor)
    return TimelineEntryRead.model_validate(entry)


@router.get("/severity-matrix", response_model=MatrixRead)
def get_severity_matrix(session: DbSession, _: Viewer) -> MatrixRead:
    return MatrixRead.of(matrix.current_matrix(session))


@router.get("/incidents/{incident_id}/signals", response_model=ItemsPage[SignalRead], responses=ONE)
def list_signals(
    incident_id: RowId, session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[SignalRead]:
    """Every monitor alarm and alert that joined the incident, oldest first."""
    found = intake.list_signals(session, incident_id, page=page)
    return ItemsPage.of(found, SignalRead.model_validate)
