"""Routes: canary sets (versioned), each system's canary target, runs (D3, R4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session, sessionmaker

from blastwall.canaries import runs, service
from blastwall.canaries.policy import TargetPolicy
from blastwall.canaries.schemas import (
    CanaryRunRead,
    CanarySetBody,
    CanarySetPutRead,
    CanarySetRead,
    TargetRead,
    TargetSpec,
)
from blastwall.inputs import RowId
from blastwall.server.deps import Commander, DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["canaries"], responses=AUTHENTICATED)


@router.get("/systems/{name}/canaries", response_model=ItemsPage[CanarySetRead], responses=ONE)
def list_sets(name: str, session: DbSession, _: Viewer, page: Paging) -> ItemsPage[CanarySetRead]:
    return ItemsPage.of(service.list_sets(session, name, page), service.set_read)


@router.put(
    "/systems/{name}/canaries/{canary_set}", response_model=CanarySetPutRead, responses=WRITE
)
def put_set(
    name: str, canary_set: str, body: CanarySetBody, session: DbSession, actor: Commander
) -> CanarySetPutRead:
    stored, created = service.put_set(session, name, canary_set, body, actor)
    return CanarySetPutRead(**service.set_read(stored).model_dump(), created=created)


@router.get("/systems/{name}/canaries/{canary_set}", response_model=CanarySetRead, responses=ONE)
def get_set(
    name: str,
    canary_set: str,
    session: DbSession,
    _: Viewer,
    version: RowId | None = None,
) -> CanarySetRead:
    return service.set_read(service.get_set(session, name, canary_set, version))


@router.get(
    "/systems/{name}/canaries/{canary_set}/versions",
    response_model=ItemsPage[CanarySetRead],
    responses=ONE,
)
def list_versions(
    name: str, canary_set: str, session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[CanarySetRead]:
    return ItemsPage.of(service.list_versions(session, name, canary_set, page), service.set_read)


@router.get("/systems/{name}/canary-target", response_model=TargetRead, responses=ONE)
def get_target(name: str, session: DbSession, _: Viewer) -> TargetRead:
    return service.target_read(service.get_target(session, name))


@router.put("/systems/{name}/canary-target", response_model=TargetRead, responses=WRITE)
def put_target(
    name: str, body: TargetSpec, request: Request, session: DbSession, actor: Commander
) -> TargetRead:
    stored = service.put_target(session, name, body, actor, _policy(request))
    return service.target_read(stored)


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def _policy(request: Request) -> TargetPolicy:
    return TargetPolicy.of(request.app.state.settings)


# Not on DbSession: a run must hold no transaction while the target answers (runs.py).
@router.post(
    "/systems/{name}/canaries/{canary_set}/run", response_model=list[CanaryRunRead], responses=WRITE
)
def run_set(
    name: str, canary_set: str, request: Request, actor: Responder, release: str | None = None
) -> list[CanaryRunRead]:
    return _read(
        request,
        runs.run_now(
            _factory(request),
            name,
            set_name=canary_set,
            release=release,
            actor=actor,
            policy=_policy(request),
        ),
    )


@router.post("/systems/{name}/canaries/run", response_model=list[CanaryRunRead], responses=WRITE)
def run_all(
    name: str, request: Request, actor: Responder, release: str | None = None
) -> list[CanaryRunRead]:
    ids = runs.run_now(
        _factory(request),
        name,
        set_name=None,
        release=release,
        actor=actor,
        policy=_policy(request),
    )
    return _read(request, ids)


def _read(request: Request, ids: list[int]) -> list[CanaryRunRead]:
    with _factory(request)() as session:
        return [CanaryRunRead.model_validate(service.get_run(session, i)) for i in ids]


@router.get("/canary-runs", response_model=ItemsPage[CanaryRunRead], responses=ONE)
def list_runs(
    session: DbSession,
    _: Viewer,
    page: Paging,
    system: str | None = None,
    canary_set: Annotated[str | None, Query(alias="set")] = None,
    release: str | None = None,
) -> ItemsPage[CanaryRunRead]:
    found = service.list_runs(
        session, system=system, canary_set=canary_set, release=release, page=page
    )
    return ItemsPage.of(found, CanaryRunRead.model_validate)


@router.get("/canary-runs/{run_id}", response_model=CanaryRunRead, responses=ONE)
def get_run(run_id: RowId, session: DbSession, _: Viewer) -> CanaryRunRead:
    return CanaryRunRead.model_validate(service.get_run(session, run_id))
