"""Routes for incident updates: post one (responder), read the update clock (viewer)."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.db.base import utcnow
from blastwall.incidents import service as incidents
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE
from blastwall.updates import cadence, service
from blastwall.updates.schemas import CadenceRead, UpdateCreate, UpdateRead

router = APIRouter(tags=["communications"], responses=AUTHENTICATED)


@router.post(
    "/incidents/{incident_id}/updates", response_model=UpdateRead, status_code=201, responses=WRITE
)
def post_update(
    incident_id: RowId, body: UpdateCreate, session: DbSession, actor: Responder
) -> UpdateRead:
    """Post an update to the timeline and the incident's channels; restarts the clock."""
    posted = service.post(session, incident_id, actor, message=body.message, template=body.template)
    return UpdateRead(
        incident_id=posted.incident_id,
        text=posted.text,
        template=posted.template,
        at=posted.at,
        next_update_due=posted.next_due,
        audit_seq=posted.audit_seq,
    )


@router.get("/incidents/{incident_id}/cadence", response_model=CadenceRead, responses=ONE)
def get_cadence(incident_id: RowId, session: DbSession, _: Viewer) -> CadenceRead:
    """When the next update is due and whether it is overdue."""
    clock = cadence.of(session, incidents.get(session, incident_id), utcnow())
    return CadenceRead(
        incident_id=incident_id,
        interval_s=clock.interval_s,
        last_update_at=clock.last_update_at,
        next_update_due=clock.next_due,
        overdue=clock.overdue,
        overdue_s=clock.overdue_s,
    )
