"""Routes for an incident's triage: where it stands (viewers), answering (responders)."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Responder, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE
from blastwall.triage import service
from blastwall.triage.schemas import TriageAnswer, TriageRead

router = APIRouter(tags=["triage"], responses=AUTHENTICATED)


@router.get("/incidents/{incident_id}/triage", response_model=TriageRead, responses=ONE)
def get_triage(incident_id: RowId, session: DbSession, _: Viewer) -> TriageRead:
    return TriageRead.of(service.state(session, incident_id))


@router.post("/incidents/{incident_id}/triage/answers", response_model=TriageRead, responses=WRITE)
def answer_triage(
    incident_id: RowId, body: TriageAnswer, session: DbSession, actor: Responder
) -> TriageRead:
    """Record an answer on the timeline; answering an earlier question goes back to it."""
    state = service.answer(session, incident_id, body.question, body.answer, actor)
    return TriageRead.of(state)
