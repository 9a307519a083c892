"""Routes for the human queue: the SDK enqueues, responders claim and resolve."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.handoffs import service
from blastwall.handoffs.enums import HandoffStatus
from blastwall.handoffs.schemas import HandoffCreate, HandoffRead, HandoffResolve
from blastwall.idempotency.api import IdempotencyKeyHeader
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["handoffs"], responses=AUTHENTICATED)


@router.post("/handoffs", response_model=HandoffRead, status_code=201, responses=WRITE)
def create_handoff(
    body: HandoffCreate,
    session: DbSession,
    actor: Viewer,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HandoffRead:
    handoff = service.create_once(session, body, actor, idempotency_key=idempotency_key)
    return HandoffRead.model_validate(handoff)


@router.get("/handoffs", response_model=ItemsPage[HandoffRead], responses=ONE)
def list_handoffs(
    session: DbSession,
    _: Viewer,
    page: Paging,
    status: HandoffStatus | None = None,
    system: str | None = None,
) -> ItemsPage[HandoffRead]:
    found = service.list_(session, status=status, system=system, page=page)
    return ItemsPage.of(found, HandoffRead.model_validate)


@router.get("/handoffs/{handoff_id}", response_model=HandoffRead, responses=ONE)
def get_handoff(handoff_id: RowId, session: DbSession, _: Viewer) -> HandoffRead:
    return HandoffRead.model_validate(service.get(session, handoff_id))


@router.post("/handoffs/{handoff_id}/claim", response_model=HandoffRead, responses=WRITE)
def claim_handoff(handoff_id: RowId, session: DbSession, actor: Responder) -> HandoffRead:
    return HandoffRead.model_validate(service.claim(session, handoff_id, actor))


@router.post("/handoffs/{handoff_id}/resolve", response_model=HandoffRead, responses=WRITE)
def resolve_handoff(
    handoff_id: RowId, body: HandoffResolve, session: DbSession, actor: Responder
) -> HandoffRead:
    handoff = service.resolve(session, handoff_id, actor, resolution=body.resolution)
    return HandoffRead.model_validate(handoff)
