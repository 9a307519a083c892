"""The human queue (C2): the SDK enqueues, a responder claims, then resolves."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from blastwall.handoffs.enums import HandoffStatus
from blastwall.handoffs.models import Handoff
from blastwall.handoffs.schemas import HandoffCreate
from blastwall.idempotency import service as idempotency
from blastwall.registry.models import System

MAX_LIMIT = 1000


def create(session: Session, body: HandoffCreate, actor: Actor) -> Handoff:
    """Put a request the AI did not answer into the queue, open for any responder."""
    if session.scalar(select(System.id).where(System.name == body.system)) is None:
        raise InvalidInput(
            f"system: {body.system!r} is not registered; register it or fix the system name "
            "the SDK is configured with"
        )
    handoff = Handoff(**body.model_dump(), status=HandoffStatus.open.value, created_by=actor.name)
    session.add(handoff)
    session.flush()
    return handoff


def get(session: Session, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound(f"no handoff {handoff_id}; `blastwall handoff list` shows the queue")
    return handoff


def list_(
    session: Session,
    *,
    status: HandoffStatus | None = None,
    system: str | None = None,
    page: PageQuery | None = None,
) -> Page[Handoff]:
    """The queue oldest first, so the person who waited longest is served first."""
    query = select(Handoff)
    if status is not None:
        query = query.where(Handoff.status == status.value)
    if system is not None:
        query = query.where(Handoff.system == system)
    return paginate(session, query, keys=[Handoff.id], list_name="handoffs", page=page)


def claim(session: Session, handoff_id: int, actor: Actor) -> Handoff:
    """Take an open handoff; exactly one of two racing responders wins, the other gets Conflict."""
    now = utcnow()
    # A conditional UPDATE is atomic on both databases: the loser matches no row.
    result = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.open.value)
        .values(status=HandoffStatus.claimed.value, claimed_by=actor.name, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    handoff = session.get(Handoff, handoff_id, populate_existing=True)
    if handoff is None:
        raise NotFound(f"no handoff {handoff_id}; `blastwall handoff list` shows the queue")
    if getattr(result, "rowcount", 0) != 1:
        who = "you" if handoff.claimed_by == actor.name else handoff.claimed_by
        raise Conflict(
            f"handoff {handoff_id} is already {handoff.status} by {who}; pick an open one "
            "with `blastwall handoff list --status open`"
        )
    record(
        session,
        Change(
            actor=actor,
            action="handoff.claim",
            target=f"handoff/{handoff_id}",
            before={"status": HandoffStatus.open.value},
            after={"status": HandoffStatus.claimed.value, "claimed_by": actor.name},
        ),
    )
    return handoff


def resolve(session: Session, handoff_id: int, actor: Actor, *, resolution: str) -> Handoff:
    """Close a claimed handoff; only its claimer, or a commander or above, may."""
    handoff = get(session, handoff_id)
    if handoff.status == HandoffStatus.open.value:
        raise Conflict(
            f"handoff {handoff_id} is open; claim it first with "
            f"`blastwall handoff claim {handoff_id}`"
        )
    if handoff.status == HandoffStatus.resolved.value:
        raise Conflict(f"handoff {handoff_id} was already resolved by {handoff.resolved_by}")
    if handoff.claimed_by != actor.name and not actor.role.at_least(Role.commander):
        raise Forbidden(
            f"handoff {handoff_id} is claimed by {handoff.claimed_by}; only they or a "
            "commander may resolve it"
        )
    handoff.status = HandoffStatus.resolved.value
    handoff.resolved_by = actor.name
    handoff.resolved_at = utcnow()
    handoff.resolution = resolution
    record(
        session,
        Change(
            actor=actor,
            action="handoff.resolve",
            target=f"handoff/{handoff_id}",
            reason=resolution,
            before={"status": HandoffStatus.claimed.value, "claimed_by": handoff.claimed_by},
            after={"status": HandoffStatus.resolved.value},
        ),
    )
    session.flush()
    return handoff


def create_once(
    session: Session, body: HandoffCreate, actor: Actor, *, idempotency_key: str | None
) -> Handoff:
    """``create``, or the hand-off an earlier request with ``idempotency_key`` created."""
    return idempotency.once(
        session,
        kind="handoff",
        key=idempotency_key,
        body=body,
        actor=actor,
        create=lambda: create(session, body, actor),
        load=lambda handoff_id: get(session, handoff_id),
    )
