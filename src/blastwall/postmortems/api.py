"""Routes for postmortems, action items and response metrics (thin: one service call each)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from blastwall.incidents import service as incidents
from blastwall.inputs import RowId
from blastwall.postmortems import actions, creates, metrics, service
from blastwall.postmortems.enums import ActionStatus
from blastwall.postmortems.markdown import render
from blastwall.postmortems.models import ActionItem, Postmortem
from blastwall.postmortems.schemas import (
    ActionItemCreate,
    ActionItemCreateThing,
    ActionItemDone,
    ActionItemRead,
    MetricsRead,
    PostmortemEdit,
    PostmortemRead,
)
from blastwall.server.deps import Commander, DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["postmortems"], responses=AUTHENTICATED)


def read(session: Session, postmortem: Postmortem) -> PostmortemRead:
    """The stored postmortem with its body and Markdown (action items included)."""
    incident = incidents.get(session, postmortem.incident_id)
    sections = service.body(postmortem)
    items = actions.for_incident(session, postmortem.incident_id)
    return PostmortemRead(
        incident_id=postmortem.incident_id,
        status=postmortem.status,
        sections=sections,
        edited=sorted(postmortem.edits),
        drafts=postmortem.drafts,
        drafted_at=postmortem.drafted_at,
        drafted_by=postmortem.drafted_by,
        submitted_at=postmortem.submitted_at,
        submitted_by=postmortem.submitted_by,
        published_at=postmortem.published_at,
        published_by=postmortem.published_by,
        markdown=render(postmortem, incident, sections, items),
    )


def item_read(item: ActionItem, now: datetime | None = None) -> ActionItemRead:
    found = ActionItemRead.model_validate(item)
    found.overdue = actions.is_overdue(item, now)
    return found


@router.post(
    "/incidents/{incident_id}/postmortem/draft", response_model=PostmortemRead, responses=WRITE
)
def draft_postmortem(incident_id: RowId, session: DbSession, actor: Responder) -> PostmortemRead:
    return read(session, service.draft(session, incident_id, actor))


@router.get("/incidents/{incident_id}/postmortem", response_model=PostmortemRead, responses=ONE)
def get_postmortem(incident_id: RowId, session: DbSession, _: Viewer) -> PostmortemRead:
    return read(session, service.require(session, incident_id))


@router.patch("/incidents/{incident_id}/postmortem", response_model=PostmortemRead, responses=WRITE)
def edit_postmortem(
    incident_id: RowId, body: PostmortemEdit, session: DbSession, actor: Responder
) -> PostmortemRead:
    return read(session, service.edit(session, incident_id, body.sections, actor))


@router.post(
    "/incidents/{incident_id}/postmortem/submit", response_model=PostmortemRead, responses=WRITE
)
def submit_postmortem(incident_id: RowId, session: DbSession, actor: Responder) -> PostmortemRead:
    return read(session, service.submit(session, incident_id, actor))


@router.post(
    "/incidents/{incident_id}/postmortem/publish", response_model=PostmortemRead, responses=WRITE
)
def publish_postmortem(incident_id: RowId, session: DbSession, actor: Commander) -> PostmortemRead:
    return read(session, service.publish(session, incident_id, actor))


@router.get("/action-items", response_model=ItemsPage[ActionItemRead], responses=ONE)
def list_action_items(
    session: DbSession,
    _: Viewer,
    page: Paging,
    incident_id: RowId | None = None,
    status: ActionStatus | None = None,
    overdue: bool = False,
) -> ItemsPage[ActionItemRead]:
    found = actions.list_(
        session, incident_id=incident_id, status=status, overdue=overdue, page=page
    )
    return ItemsPage.of(found, item_read)


@router.post("/action-items", response_model=ActionItemRead, status_code=201, responses=WRITE)
def add_action_item(body: ActionItemCreate, session: DbSession, actor: Responder) -> ActionItemRead:
    return item_read(actions.add(session, body, actor))


@router.get("/action-items/{item_id}", response_model=ActionItemRead, responses=ONE)
def get_action_item(item_id: RowId, session: DbSession, _: Viewer) -> ActionItemRead:
    return item_read(actions.get(session, item_id))


@router.post("/action-items/{item_id}/done", response_model=ActionItemRead, responses=WRITE)
def finish_action_item(
    item_id: RowId, body: ActionItemDone, session: DbSession, actor: Responder
) -> ActionItemRead:
    return item_read(actions.done(session, item_id, actor, resolution=body.resolution))


@router.post("/action-items/{item_id}/create", response_model=ActionItemRead, responses=WRITE)
def create_from_action_item(
    item_id: RowId, body: ActionItemCreateThing, session: DbSession, actor: Commander
) -> ActionItemRead:
    """Create the monitor, canary or gate the item asks for (commander, as declaring one)."""
    return item_read(creates.create(session, item_id, actor, body.spec))


@router.get("/metrics", response_model=MetricsRead, responses=ONE)
def get_metrics(
    session: DbSession,
    _: Viewer,
    system: str | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    include_drills: bool = False,
) -> MetricsRead:
    return metrics.compute(
        session, system=system, since=since, until=until, include_drills=include_drills
    )
