"""Approval requests (C7): the model proposes an irreversible action, a human disposes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.approvals.enums import ApprovalStatus
from blastwall.approvals.models import ApprovalRequest
from blastwall.approvals.schemas import ApprovalCreate
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.idempotency import service as idempotency
from blastwall.inputs import trim
from blastwall.registry.models import System

MAX_LIMIT = 1000
PENDING = ApprovalStatus.pending.value


def create(session: Session, body: ApprovalCreate, actor: Actor) -> ApprovalRequest:
    """Record a pending request; the SDK polls ``get`` until someone decides or it times out."""
    if session.scalar(select(System.id).where(System.name == body.system)) is None:
        raise InvalidInput(
            f"system: {body.system!r} is not registered; register it or fix the system name "
            "the SDK is configured with"
        )
    now = utcnow()
    request = ApprovalRequest(
        system=body.system,
        environment=body.environment,
        action=body.action,
        arguments=body.arguments,
        trace_id=body.trace_id,
        request_reason=body.reason,
        status=PENDING,
        created_at=now,
        requested_by=actor.name,
        expires_at=now + timedelta(seconds=body.timeout_s) if body.timeout_s else None,
    )
    session.add(request)
    session.flush()
    return request


def get(session: Session, approval_id: int, *, for_update: bool = False) -> ApprovalRequest:
    """One request, its status current (a pending one past its deadline reads expired)."""
    request = session.get(ApprovalRequest, approval_id, with_for_update=for_update)
    if request is None:
        raise NotFound(f"no approval request {approval_id}; `blastwall approvals list` shows them")
    _expire_if_due(request, utcnow())
    return request


def list_(
    session: Session,
    *,
    status: ApprovalStatus | None = None,
    system: str | None = None,
    page: PageQuery | None = None,
) -> Page[ApprovalRequest]:
    """Requests oldest first, so the action that has waited longest is decided first."""
    expire_overdue(session, utcnow())
    query = select(ApprovalRequest)
    if status is not None:
        query = query.where(ApprovalRequest.status == status.value)
    if system is not None:
        query = query.where(ApprovalRequest.system == system)
    return paginate(session, query, keys=[ApprovalRequest.id], list_name="approvals", page=page)


def expire_overdue(session: Session, now: datetime) -> None:
    """Mark pending requests past their deadline expired: the SDK already refused them."""
    session.execute(
        update(ApprovalRequest)
        .where(
            ApprovalRequest.status == PENDING,
            ApprovalRequest.expires_at.is_not(None),
            ApprovalRequest.expires_at <= now,
        )
        .values(status=ApprovalStatus.expired.value, decided_at=ApprovalRequest.expires_at)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def _expire_if_due(request: ApprovalRequest, now: datetime) -> None:
    if request.status == PENDING and request.expires_at and request.expires_at <= now:
        request.status = ApprovalStatus.expired.value
        request.decided_at = request.expires_at


def approve(session: Session, approval_id: int, actor: Actor, *, reason: str) -> ApprovalRequest:
    return _decide(session, approval_id, actor, ApprovalStatus.approved, reason)


def deny(session: Session, approval_id: int, actor: Actor, *, reason: str) -> ApprovalRequest:
    return _decide(session, approval_id, actor, ApprovalStatus.denied, reason)


def _decide(
    session: Session, approval_id: int, actor: Actor, decision: ApprovalStatus, reason: str
) -> ApprovalRequest:
    if not trim(reason):  # the spaces the OpenAPI's pattern allows around the text
        raise InvalidInput(
            "reason: empty; say why, it is recorded in the audit log, e.g. 'refund matches "
            "the order total'"
        )
    # Locked so two responders deciding at once serialize and the second sees the first.
    request = get(session, approval_id, for_update=True)
    if request.status == ApprovalStatus.expired.value:
        raise Conflict(
            f"approval request {approval_id} expired at {_when(request.expires_at)}; the SDK "
            "has already refused the action, so there is nothing left to decide"
        )
    if request.status != PENDING:
        raise Conflict(
            f"approval request {approval_id} was already {request.status} by "
            f"{request.decided_by}: {request.decision_reason}"
        )
    request.status = decision.value
    request.decided_by = actor.name
    request.decided_at = utcnow()
    request.decision_reason = trim(reason)
    record(
        session,
        Change(
            actor=actor,
            action=f"approval.{'approve' if decision is ApprovalStatus.approved else 'deny'}",
            target=f"{request.system}/{request.action}",
            reason=request.decision_reason,
            before={"id": approval_id, "status": PENDING},
            after={
                "id": approval_id,
                "status": decision.value,
                "environment": request.environment,
                "trace_id": request.trace_id,
                "arguments": request.arguments,
            },
        ),
    )
    session.flush()
    return request


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "its deadline"


def create_once(
    session: Session, body: ApprovalCreate, actor: Actor, *, idempotency_key: str | None
) -> ApprovalRequest:
    """``create``, or the request an earlier call with ``idempotency_key`` created."""
    return idempotency.once(
        session,
        kind="approval",
        key=idempotency_key,
        body=body,
        actor=actor,
        create=lambda: create(session, body, actor),
        load=lambda approval_id: get(session, approval_id),
    )
