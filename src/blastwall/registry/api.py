"""Routes for the registry: systems, surface versions, releases, activation, rollback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from blastwall.exceptions import InvalidInput
from blastwall.registry import feed, releases, rollback, service, surfaces
from blastwall.registry.schemas import (
    ActivateRequest,
    ActiveRead,
    DeploymentRead,
    KnownGoodRequest,
    ReleaseCreate,
    ReleaseRead,
    RollbackRead,
    RollbackRequest,
    SurfaceVersionRead,
    SystemRead,
    SystemSpec,
    SystemUpsertRead,
)
from blastwall.server.deps import Admin, Commander, DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["registry"], responses=AUTHENTICATED)

Environment = Annotated[str, Query(description="An environment of the system, e.g. prod.")]
ContentHash = Annotated[
    str,
    Path(
        pattern="^[0-9a-f]{64}$",
        description="SHA-256 of the content's canonical JSON, 64 lower-case hex digits.",
    ),
]


@router.get("/systems", response_model=ItemsPage[SystemRead])
def list_systems(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[SystemRead]:
    return ItemsPage.of(service.list_(session, page), SystemRead.model_validate)


@router.post("/systems", response_model=SystemRead, status_code=201, responses=WRITE)
def create_system(body: SystemSpec, session: DbSession, actor: Admin) -> SystemRead:
    return SystemRead.model_validate(service.create(session, body, actor))


@router.get("/systems/{name}", response_model=SystemRead, responses=ONE)
def get_system(name: str, session: DbSession, _: Viewer) -> SystemRead:
    return SystemRead.model_validate(service.get_by_name(session, name))


@router.put("/systems/{name}", response_model=SystemUpsertRead, responses=WRITE)
def upsert_system(
    name: str, body: SystemSpec, session: DbSession, actor: Admin
) -> SystemUpsertRead:
    if body.name != name:
        raise InvalidInput(
            f"name: body says {body.name!r} but the URL says {name!r}; make them match"
        )
    result = service.upsert_system(session, body, actor)
    return SystemUpsertRead(
        action=result.action,
        changes=result.changes,
        system=SystemRead.model_validate(result.system),
    )


@router.delete("/systems/{name}", status_code=204, responses=WRITE)
def delete_system(name: str, session: DbSession, actor: Admin) -> Response:
    service.delete(session, name, actor)
    return Response(status_code=204)


@router.get(
    "/systems/{name}/surfaces/{surface}/versions",
    response_model=ItemsPage[SurfaceVersionRead],
    responses=ONE,
)
def list_surface_versions(
    name: str, surface: str, session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[SurfaceVersionRead]:
    versions = surfaces.list_surface_versions(session, name, surface, page)
    return ItemsPage.of(versions, SurfaceVersionRead.model_validate)


@router.get(
    "/systems/{name}/surfaces/{surface}/content/{content_hash}",
    response_model=SurfaceVersionRead,
    responses=ONE,
)
def surface_content(
    name: str, surface: str, content_hash: ContentHash, session: DbSession, _: Viewer
) -> SurfaceVersionRead:
    """One surface version by the hash of its content: how an SDK fetches a large surface."""
    return SurfaceVersionRead.model_validate(
        feed.content_by_hash(session, name, surface, content_hash)
    )


@router.post(
    "/systems/{name}/releases", response_model=ReleaseRead, status_code=201, responses=WRITE
)
def create_release(
    name: str, body: ReleaseCreate, session: DbSession, actor: Commander
) -> ReleaseRead:
    release = releases.create_release(
        session,
        name,
        name=body.name,
        surfaces=body.surfaces,
        notes=body.notes,
        expect_shift=body.expect_shift,
        actor=actor,
    )
    return ReleaseRead.of(release)


@router.get("/systems/{name}/releases", response_model=ItemsPage[ReleaseRead], responses=ONE)
def list_releases(name: str, session: DbSession, _: Viewer, page: Paging) -> ItemsPage[ReleaseRead]:
    return ItemsPage.of(releases.list_releases(session, name, page), ReleaseRead.of)


@router.get("/systems/{name}/releases/{release}", response_model=ReleaseRead, responses=ONE)
def get_release(name: str, release: str, session: DbSession, _: Viewer) -> ReleaseRead:
    return ReleaseRead.of(releases.get_release(session, name, release))


@router.post(
    "/systems/{name}/releases/{release}/known-good", response_model=ReleaseRead, responses=WRITE
)
def mark_known_good(
    name: str, release: str, body: KnownGoodRequest, session: DbSession, actor: Commander
) -> ReleaseRead:
    marked = releases.mark_known_good(session, name, release, actor=actor, reason=body.reason)
    return ReleaseRead.of(marked)


@router.delete(
    "/systems/{name}/releases/{release}/known-good", response_model=ReleaseRead, responses=WRITE
)
def unmark_known_good(
    name: str,
    release: str,
    session: DbSession,
    actor: Commander,
    reason: Annotated[str, Query(max_length=2000)] = "",
) -> ReleaseRead:
    unmarked = releases.mark_known_good(
        session, name, release, actor=actor, reason=reason, known_good=False
    )
    return ReleaseRead.of(unmarked)


@router.post(
    "/systems/{name}/releases/{release}/activate", response_model=DeploymentRead, responses=WRITE
)
def activate(
    name: str, release: str, body: ActivateRequest, session: DbSession, actor: Commander
) -> DeploymentRead:
    deployment = releases.activate(
        session,
        name,
        release,
        environment=body.environment,
        actor=actor,
        reason=body.reason,
        incident_id=body.incident_id,
    )
    return DeploymentRead.of(deployment)


@router.get("/systems/{name}/active", response_model=ActiveRead, responses=ONE)
def get_active(name: str, environment: Environment, session: DbSession, _: Viewer) -> ActiveRead:
    return ActiveRead.of(releases.get_active(session, name, environment))


@router.get("/systems/{name}/deployments", response_model=ItemsPage[DeploymentRead], responses=ONE)
def list_deployments(
    name: str,
    session: DbSession,
    _: Viewer,
    page: Paging,
    environment: Annotated[str | None, Query()] = None,
) -> ItemsPage[DeploymentRead]:
    history = releases.list_deployments(session, name, environment, page)
    return ItemsPage.of(history, DeploymentRead.of)


@router.post("/systems/{name}/rollback", response_model=RollbackRead, responses=WRITE)
def rollback_(
    name: str, body: RollbackRequest, session: DbSession, actor: Responder
) -> RollbackRead:
    result = rollback.rollback(
        session,
        name,
        environment=body.environment,
        reason=body.reason,
        actor=actor,
        to=body.to,
        surface=body.surface,
        incident_id=body.incident_id,
    )
    return RollbackRead.model_validate(result)
