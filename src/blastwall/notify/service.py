"""Reading the outbox and re-queueing a failed notification; channels and routes as configured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.access.service import require_role
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, NotFound
from blastwall.notify import factory
from blastwall.notify.enums import NotificationStatus
from blastwall.notify.models import DeliveryAttempt, Notification, NotifyChannel, NotifyRoute


def get(session: Session, notification_id: int, *, for_update: bool = False) -> Notification:
    """One notification, or NotFound naming how to find the ids."""
    stmt = select(Notification).where(Notification.id == notification_id)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is None:
        raise NotFound(
            f"notification {notification_id} does not exist; `blastwall notify list` shows ids"
        )
    return found


def list_(
    session: Session,
    *,
    status: NotificationStatus | None = None,
    incident_id: int | None = None,
    page: PageQuery | None = None,
) -> Page[Notification]:
    """Notifications, newest first, optionally only one status or one incident's."""
    stmt = select(Notification)
    if status is not None:
        stmt = stmt.where(Notification.status == status.value)
    if incident_id is not None:
        stmt = stmt.where(Notification.incident_id == incident_id)
    return paginate(
        session,
        stmt,
        keys=[Notification.id],
        list_name="notifications",
        page=page,
        descending=True,
    )


def attempts(session: Session, notification_id: int) -> list[DeliveryAttempt]:
    """Every delivery attempt of one notification, first first."""
    stmt = select(DeliveryAttempt).where(DeliveryAttempt.notification_id == notification_id)
    return list(session.scalars(stmt.order_by(DeliveryAttempt.number)))


def retry(session: Session, notification_id: int, actor: Actor) -> Notification:
    """Queue a failed notification again, due now, with a fresh deadline; audited."""
    require_role(actor, Role.responder)
    row = get(session, notification_id, for_update=True)
    if row.status != NotificationStatus.failed:
        raise Conflict(
            f"notification {notification_id} is {row.status}, not failed: only a failed "
            "notification can be retried (a pending one is still being tried)"
        )
    now = utcnow()
    lifetime = row.deadline - row.created_at
    before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status = NotificationStatus.pending.value
    row.next_attempt_at = now
    row.deadline = now + lifetime
    record(
        session,
        Change(
            action="notification.retry",
            target=f"notification/{row.id}",
            actor=actor,
            before=before,
            after={"status": row.status, "deadline": row.deadline.isoformat()},
            incident_id=row.incident_id,
            timeline=(
                f"notification to {row.channel} ({row.event}) queued again by {actor.name}"
                if row.incident_id is not None
                else ""
            ),
            data={"notification_id": row.id, "channel": row.channel},
        ),
    )
    session.flush()
    return row


@dataclass(frozen=True)
class ChannelStatus:
    """A configured channel as `notify channels` shows it: never a secret, only names."""

    name: str
    type: str
    enabled: bool
    problem: str | None
    settings: Mapping[str, Any]


def channel_statuses(
    session: Session, environ: Mapping[str, str] | None = None
) -> list[ChannelStatus]:
    """Every configured channel, and whether this server can send on it (or why not)."""
    statuses = []
    for row in session.scalars(select(NotifyChannel).order_by(NotifyChannel.name)):
        built = factory.build(row.name, row.type, row.settings, environ)
        problem = built.reason if isinstance(built, factory.Disabled) else None
        statuses.append(ChannelStatus(row.name, row.type, problem is None, problem, row.settings))
    return statuses


def routes(session: Session) -> list[NotifyRoute]:
    """Configured routes in file order."""
    return list(session.scalars(select(NotifyRoute).order_by(NotifyRoute.position)))
