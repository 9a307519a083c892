"""Routes for the action gate: the SDK asks and polls, responders approve or deny."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.approvals import service
from blastwall.approvals.enums import ApprovalStatus
from blastwall.approvals.schemas import ApprovalCreate, ApprovalDecision, ApprovalRead
from blastwall.idempotency.api import IdempotencyKeyHeader
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["approvals"], responses=AUTHENTICATED)


@router.post("/approvals", response_model=ApprovalRead, status_code=201, responses=WRITE)
def request_approval(
    body: ApprovalCreate,
    session: DbSession,
    actor: Viewer,
    idempotency_key: IdempotencyKeyHeader = None,
) -> ApprovalRead:
    request = service.create_once(session, body, actor, idempotency_key=idempotency_key)
    return ApprovalRead.model_validate(request)


@router.get("/approvals", response_model=ItemsPage[ApprovalRead], responses=ONE)
def list_approvals(
    session: DbSession,
    _: Viewer,
    page: Paging,
    status: ApprovalStatus | None = None,
    system: str | None = None,
) -> ItemsPage[ApprovalRead]:
    found = service.list_(session, status=status, system=system, page=page)
    return ItemsPage.of(found, ApprovalRead.model_validate)


@router.get("/approvals/{approval_id}", response_model=ApprovalRead, responses=ONE)
def get_approval(approval_id: RowId, session: DbSession, _: Viewer) -> ApprovalRead:
    return ApprovalRead.model_validate(service.get(session, approval_id))


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalRead, responses=WRITE)
def approve(
    approval_id: RowId, body: ApprovalDecision, session: DbSession, actor: Responder
) -> ApprovalRead:
    request = service.approve(session, approval_id, actor, reason=body.reason)
    return ApprovalRead.model_validate(request)


@router.post("/approvals/{approval_id}/deny", response_model=ApprovalRead, responses=WRITE)
def deny(
    approval_id: RowId, body: ApprovalDecision, session: DbSession, actor: Responder
) -> ApprovalRead:
    return ApprovalRead.model_validate(
        service.deny(session, approval_id, actor, reason=body.reason)
    )
