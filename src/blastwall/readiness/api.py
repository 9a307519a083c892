"""Readiness routes: one system's checks, or every system's (viewers may read them)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from blastwall.readiness import service
from blastwall.readiness.schemas import Readiness, ReadinessList
from blastwall.server.deps import DbSession, Viewer
from blastwall.server.responses import AUTHENTICATED, ONE

router = APIRouter(tags=["readiness"], responses=AUTHENTICATED)


@router.get("/systems/{name}/readiness", response_model=Readiness, responses=ONE)
def get_readiness(name: str, request: Request, session: DbSession, _: Viewer) -> Readiness:
    days = request.app.state.settings.readiness_kill_days
    return service.for_system(session, name, kill_days=days)


@router.get("/readiness", response_model=ReadinessList)
def list_readiness(request: Request, session: DbSession, _: Viewer) -> ReadinessList:
    days = request.app.state.settings.readiness_kill_days
    return ReadinessList(items=service.for_all(session, kill_days=days))
