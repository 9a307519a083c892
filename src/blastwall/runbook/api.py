"""The runbook route: what a responder runs to contain a system (viewers may read it)."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.db.base import utcnow
from blastwall.runbook import service
from blastwall.runbook.schemas import RunbookRead
from blastwall.server.deps import DbSession, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE

router = APIRouter(tags=["runbook"], responses=AUTHENTICATED)


@router.get("/systems/{name}/runbook", response_model=RunbookRead, responses=ONE)
def get_runbook(name: str, session: DbSession, _: Viewer) -> RunbookRead:
    return service.get(session, name, utcnow())
