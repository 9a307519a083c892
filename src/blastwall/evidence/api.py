"""Routes: evidence hold on an incident, what it holds, and the evidence bundle export."""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from blastwall.config import Settings
from blastwall.evidence import service
from blastwall.evidence.schemas import EvidenceRead, HoldRequest, ReleaseRequest
from blastwall.incidents import hold
from blastwall.inputs import RowId
from blastwall.server.deps import Commander, DbSession, Responder, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["evidence"], responses=AUTHENTICATED)
CHUNK = 64 * 1024


def _evidence(request: Request, session: DbSession, incident_id: int) -> EvidenceRead:
    settings: Settings = request.app.state.settings
    return service.summary(
        session,
        incident_id,
        margin=timedelta(seconds=settings.evidence_margin_s),
        keep_days=settings.evidence_keep_days,
    )


@router.get("/incidents/{incident_id}/evidence", response_model=EvidenceRead, responses=ONE)
def get_evidence(
    incident_id: RowId, request: Request, session: DbSession, _: Viewer
) -> EvidenceRead:
    """Whether the incident is under evidence hold, and the traces its window holds."""
    return _evidence(request, session, incident_id)


@router.post("/incidents/{incident_id}/hold", response_model=EvidenceRead, responses=WRITE)
def hold_evidence(
    incident_id: RowId, body: HoldRequest, request: Request, session: DbSession, actor: Responder
) -> EvidenceRead:
    """Put the incident under evidence hold (EU AI Act Art. 73(6)): changes to its system
    are flagged on its timeline, and refused without a reason if ``require_reason``."""
    hold.hold(session, incident_id, actor, require_reason=body.require_reason, reason=body.reason)
    return _evidence(request, session, incident_id)


@router.post("/incidents/{incident_id}/hold/release", response_model=EvidenceRead, responses=WRITE)
def release_evidence_hold(
    incident_id: RowId,
    body: ReleaseRequest,
    request: Request,
    session: DbSession,
    actor: Commander,
) -> EvidenceRead:
    """End the evidence hold (commander and up), with the reason it may end."""
    hold.release(session, incident_id, actor, reason=body.reason)
    return _evidence(request, session, incident_id)


@router.post(
    "/incidents/{incident_id}/evidence/export",
    response_class=StreamingResponse,
    responses={
        **WRITE,
        200: {
            "description": "A tar of the bundle: JSON Lines files and manifest.json with "
            "each file's SHA-256 (docs/evidence.md).",
            "content": {"application/x-tar": {}},
        },
    },
)
def export_evidence(incident_id: RowId, session: DbSession, actor: Responder) -> StreamingResponse:
    """The evidence bundle as a tar (responder and up; audited, noted on the timeline)."""
    archive = tempfile.TemporaryFile()  # noqa: SIM115  (closed by _stream once sent)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp) / f"incident-{incident_id}-evidence"
            service.export(session, incident_id, directory, actor)
            with tarfile.open(fileobj=archive, mode="w") as tar:
                tar.add(directory, arcname=directory.name)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    name = f"incident-{incident_id}-evidence.tar"
    return StreamingResponse(
        _stream(archive),
        media_type="application/x-tar",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


def _stream(archive: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := archive.read(CHUNK):
            yield chunk
    finally:
        archive.close()
