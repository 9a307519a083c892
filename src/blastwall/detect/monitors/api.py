"""Routes: monitors per system, alarms, and an incident's rollback verification."""

from __future__ import annotations

from fastapi import APIRouter, Response

from blastwall.detect import verification
from blastwall.detect.monitors import service
from blastwall.detect.monitors.schemas import (
    AlarmRead,
    IncidentVerificationRead,
    MonitorCreate,
    MonitorRead,
    MonitorUpdate,
)
from blastwall.inputs import RowId
from blastwall.server.deps import Commander, DbSession, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["detection"], responses=AUTHENTICATED)


@router.get("/systems/{name}/monitors", response_model=ItemsPage[MonitorRead], responses=ONE)
def list_monitors(name: str, session: DbSession, _: Viewer, page: Paging) -> ItemsPage[MonitorRead]:
    return ItemsPage.of(service.list_(session, name, page), MonitorRead.of)


@router.post(
    "/systems/{name}/monitors", response_model=MonitorRead, status_code=201, responses=WRITE
)
def create_monitor(
    name: str, body: MonitorCreate, session: DbSession, actor: Commander
) -> MonitorRead:
    return MonitorRead.of(service.create(session, name, body, actor))


@router.get("/systems/{name}/monitors/{monitor}", response_model=MonitorRead, responses=ONE)
def get_monitor(name: str, monitor: str, session: DbSession, _: Viewer) -> MonitorRead:
    return MonitorRead.of(service.get_by_name(session, name, monitor))


@router.patch("/systems/{name}/monitors/{monitor}", response_model=MonitorRead, responses=WRITE)
def update_monitor(
    name: str, monitor: str, body: MonitorUpdate, session: DbSession, actor: Commander
) -> MonitorRead:
    return MonitorRead.of(service.update(session, name, monitor, body, actor))


@router.delete("/systems/{name}/monitors/{monitor}", status_code=204, responses=WRITE)
def delete_monitor(name: str, monitor: str, session: DbSession, actor: Commander) -> Response:
    service.delete(session, name, monitor, actor)
    return Response(status_code=204)


@router.get("/alarms", response_model=ItemsPage[AlarmRead], responses=ONE)
def list_alarms(
    session: DbSession,
    _: Viewer,
    page: Paging,
    system: str | None = None,
    monitor: str | None = None,
    incident_id: RowId | None = None,
) -> ItemsPage[AlarmRead]:
    alarms = service.list_alarms(
        session, system=system, monitor=monitor, incident_id=incident_id, page=page
    )
    return ItemsPage.of(alarms, AlarmRead.of)


@router.get("/alarms/{alarm_id}", response_model=AlarmRead, responses=ONE)
def get_alarm(alarm_id: RowId, session: DbSession, _: Viewer) -> AlarmRead:
    return AlarmRead.of(service.get_alarm(session, alarm_id))


@router.get(
    "/incidents/{incident_id}/verification", response_model=IncidentVerificationRead, responses=ONE
)
def incident_verification(
    incident_id: RowId, session: DbSession, _: Viewer
) -> IncidentVerificationRead:
    return verification.overview(session, incident_id)
