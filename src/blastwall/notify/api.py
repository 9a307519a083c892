"""Routes for notifications: the outbox (list, show, retry), configured channels and routes.

Channels and routes are written by ``POST /api/v1/apply`` (the ``channels:`` and
``routes:`` sections of blastwall.yaml); here they are read.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from blastwall.db.pagination import paginate_items
from blastwall.inputs import RowId
from blastwall.notify import service
from blastwall.notify.enums import NotificationStatus
from blastwall.notify.schemas import (
    AttemptRead,
    ChannelRead,
    NotificationDetail,
    NotificationRead,
    RouteRead,
)
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["notifications"], responses=AUTHENTICATED)


@router.get("/notifications", response_model=ItemsPage[NotificationRead])
def list_notifications(
    session: DbSession,
    _: Viewer,
    page: Paging,
    status: NotificationStatus | None = None,
    incident_id: RowId | None = None,
) -> ItemsPage[NotificationRead]:
    found = service.list_(session, status=status, incident_id=incident_id, page=page)
    return ItemsPage.of(found, NotificationRead.model_validate)


@router.get("/notifications/channels", response_model=ItemsPage[ChannelRead])
def list_notification_channels(
    session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[ChannelRead]:
    statuses = service.channel_statuses(session)
    found = paginate_items(
        statuses, key=lambda c: (c.name,), width=1, list_name="channels", page=page
    )
    return ItemsPage.of(found, lambda c: ChannelRead(**asdict(c)))


@router.get("/notifications/routes", response_model=ItemsPage[RouteRead])
def list_notification_routes(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[RouteRead]:
    found = paginate_items(
        service.routes(session), key=lambda r: (r.name,), width=1, list_name="routes", page=page
    )
    return ItemsPage.of(found, RouteRead.model_validate)


@router.get("/notifications/{notification_id}", response_model=NotificationDetail, responses=ONE)
def get_notification(notification_id: RowId, session: DbSession, _: Viewer) -> NotificationDetail:
    row = service.get(session, notification_id)
    attempts = [AttemptRead.model_validate(a) for a in service.attempts(session, row.id)]
    read = NotificationRead.model_validate(row)
    return NotificationDetail(**read.model_dump(), attempt_log=attempts)


@router.post(
    "/notifications/{notification_id}/retry", response_model=NotificationRead, responses=WRITE
)
def retry_notification(
    notification_id: RowId, session: DbSession, actor: Responder
) -> NotificationRead:
    return NotificationRead.model_validate(service.retry(session, notification_id, actor))
