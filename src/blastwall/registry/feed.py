"""The read side SDKs follow: the release in force per (system, environment), like a lever.

An activation or rollback draws its ``revision`` from the lever revision counter, so the
lever stream and ``GET /levers`` carry releases in the same ordered sequence as lever
states, and an SDK resuming from revision N misses neither. Surfaces whose content is
larger than the stream's limit travel as hash and size only; the SDK fetches them by hash
(:func:`content_by_hash`) and checks the hash.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from blastwall.changes import revisions
from blastwall.exceptions import NotFound
from blastwall.registry import service
from blastwall.registry.models import Deployment, Release, ReleaseItem, SurfaceVersion, System
from blastwall.registry.schemas import ReleaseState, ReleaseSurfaceState
from blastwall.registry.surfaces import find_surface


def next_revision(session: Session) -> int:
    """Draw the next stream revision for a deployment (audit lock first, as every writer)."""
    revisions.lock(session)
    return revisions.draw(session)


def announce_after_commit(session: Session, revision: int) -> None:
    """Wake this process's lever streams once the deployment commits."""
    revisions.announce_after_commit(session, revision)


def canonical_size(content: dict[str, Any]) -> int:
    """Bytes of the canonical JSON the content hash is taken over."""
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return len(canonical.encode())


def state_of(deployment: Deployment, system: str, max_inline_bytes: int) -> ReleaseState:
    """The wire form of one deployment; content over ``max_inline_bytes`` is left out."""
    surfaces = {}
    for item in sorted(deployment.release.items, key=lambda i: i.surface.name):
        version = item.version
        size = canonical_size(version.content)
        surfaces[item.surface.name] = ReleaseSurfaceState(
            kind=item.surface.kind,
            version=version.number,
            hash=version.content_hash,
            size=size,
            content=version.content if size <= max_inline_bytes else None,
        )
    return ReleaseState(
        system=system,
        environment=deployment.environment,
        release=deployment.release.name,
        revision=deployment.revision,
        activated_at=deployment.activated_at,
        activated_by=deployment.activated_by,
        surfaces=surfaces,
    )


def since(
    session: Session, revision: int, *, max_inline_bytes: int, system_name: str | None = None
) -> list[ReleaseState]:
    """The release in force per (system, environment) where it changed after ``revision``.

    Only the newest deployment of each scope is sent: older ones are superseded, so a
    fresh SDK reads one row per environment, not the whole history. Oldest first.
    """
    newest = select(func.max(Deployment.id)).group_by(Deployment.system_id, Deployment.environment)
    query = (
        select(Deployment, System.name)
        .join(System, System.id == Deployment.system_id)
        .where(Deployment.id.in_(newest.scalar_subquery()), Deployment.revision > revision)
        .options(
            selectinload(Deployment.release)
            .selectinload(Release.items)
            .selectinload(ReleaseItem.surface),
            selectinload(Deployment.release)
            .selectinload(Release.items)
            .selectinload(ReleaseItem.version),
        )
        .order_by(Deployment.revision)
    )
    if system_name is not None:
        query = query.where(System.name == system_name)
    return [state_of(d, name, max_inline_bytes) for d, name in session.execute(query).all()]


def content_by_hash(
    session: Session, system_name: str, surface_name: str, content_hash: str
) -> SurfaceVersion:
    """The version of the surface whose content has ``content_hash`` (what an SDK fetches)."""
    surface = find_surface(service.get_by_name(session, system_name), surface_name)
    version = session.scalar(
        select(SurfaceVersion).where(
            SurfaceVersion.surface_id == surface.id, SurfaceVersion.content_hash == content_hash
        )
    )
    if version is None:
        raise NotFound(
            f"surface {surface_name!r} of {system_name} has no version with content hash "
            f"{content_hash!r}; the hashes in force are in GET /systems/{system_name}/active"
        )
    return version
