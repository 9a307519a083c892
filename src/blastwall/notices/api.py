"""Routes for the notice to affected users: draft (viewer), mark sent and export (commander)."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.inputs import RowId
from blastwall.notices import service
from blastwall.notices.schemas import NoticeDraftRequest, NoticeExport, NoticeRead, NoticeSend
from blastwall.server.deps import Commander, DbSession, Viewer
from blastwall.server.responses import AUTHENTICATED, WRITE

router = APIRouter(tags=["communications"], responses=AUTHENTICATED)


def _read(made: service.Draft) -> NoticeRead:
    return NoticeRead(
        incident_id=made.incident_id,
        required=made.rule.required,
        reason=made.rule.reason,
        text=made.text,
        blast_radius=made.radius,
    )


@router.post("/incidents/{incident_id}/notice/draft", response_model=NoticeRead, responses=WRITE)
def draft_notice(
    incident_id: RowId, body: NoticeDraftRequest, session: DbSession, _: Viewer
) -> NoticeRead:
    """Draft the notice from the record; nothing is written."""
    return _read(service.draft(session, incident_id, advice=body.advice))


@router.post("/incidents/{incident_id}/notice/sent", response_model=NoticeRead, responses=WRITE)
def mark_notice_sent(
    incident_id: RowId, body: NoticeSend, session: DbSession, actor: Commander
) -> NoticeRead:
    """Record that the notice went out on each channel (audited; one ledger entry each)."""
    made = service.mark_sent(
        session, incident_id, actor, channels=body.channels, advice=body.advice
    )
    return _read(made)


@router.post("/incidents/{incident_id}/notice/export", response_model=NoticeExport, responses=WRITE)
def export_notice(
    incident_id: RowId, body: NoticeDraftRequest, session: DbSession, actor: Commander
) -> NoticeExport:
    """The notice and its recipients' user ids; the export is audited and in the ledger."""
    made, users = service.export(session, incident_id, actor, advice=body.advice)
    return NoticeExport(**_read(made).model_dump(), recipients=users)
