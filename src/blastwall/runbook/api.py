"""The runbook route: what a responder runs to contain a system (viewers may read it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from blastwall.db.base import utcnow
from blastwall.runbook import service
from blastwall.runbook.schemas import RunbookRead
from blastwall.server.deps import DbSession, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE

router = APIRouter(tags=["runbook"], responses=AUTHENTICATED)


@router.get("/systems/{name}/runbook", response_model=RunbookRead, responses=ONE)
def get_runbook(
    name: str,
    session: DbSession,
    _: Viewer,
    at: Annotated[
        AwareDatetime | None,
        Query(description="Instant whose on-call to show, ISO 8601 with an offset; default now."),
    ] = None,
) -> RunbookRead:
    return service.get(session, name, at or utcnow())
