"""Immutable surface versions (R1): the same content is always the same numbered version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.registry import service
from blastwall.registry.models import Surface, SurfaceVersion, System


def canonical_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the content's canonical JSON (sorted keys, no spaces).

    >>> canonical_hash({"b": 1, "a": [1, 2]}) == canonical_hash({"a": [1, 2], "b": 1})
    True
    """
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_content(surface: str, content: object) -> dict[str, Any]:
    """Return ``content`` if it can be stored as a version; else say what is wrong."""
    if not isinstance(content, Mapping):
        raise InvalidInput(
            f"surfaces.{surface}: content must be a JSON object such as "
            f'{{"model": "gpt-4o-2024-08-06"}}, got {type(content).__name__}'
        )
    try:
        canonical_hash(content)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"surfaces.{surface}: content must be plain JSON (objects, lists, strings, finite "
            f"numbers, booleans, null): {exc}"
        ) from None
    return dict(content)


def unknown_surface(system: System, *names: str) -> str:
    """The message for surface names the system does not have."""
    known = ", ".join(sorted(s.name for s in system.surfaces)) or "none yet"
    listed = ", ".join(repr(n) for n in names)
    return (
        f"{system.name} has no surface {listed} (its surfaces: {known}); "
        "declare them under the system's 'surfaces:' in blastwall.yaml and run "
        "`blastwall apply -f blastwall.yaml`"
    )


def find_surface(system: System, name: str) -> Surface:
    """The system's surface ``name``; else NotFound saying which surfaces it has."""
    for surface in system.surfaces:
        if surface.name == name:
            return surface
    raise NotFound(unknown_surface(system, name))


def version_of(
    session: Session, surface: Surface, content: Mapping[str, Any], actor: Actor
) -> tuple[SurfaceVersion, bool]:
    """The version holding ``content``, created with the next number if new; (version, created)."""
    digest = canonical_hash(content)
    existing = session.scalar(
        select(SurfaceVersion).where(
            SurfaceVersion.surface_id == surface.id, SurfaceVersion.content_hash == digest
        )
    )
    if existing is not None:
        return existing, False
    highest = session.scalar(
        select(func.max(SurfaceVersion.number)).where(SurfaceVersion.surface_id == surface.id)
    )
    version = SurfaceVersion(
        surface_id=surface.id,
        number=(highest or 0) + 1,
        content=dict(content),
        content_hash=digest,
        created_by=actor.name,
    )
    session.add(version)
    session.flush()
    return version, True


def add_surface_version(
    session: Session, system_name: str, surface_name: str, content: object, actor: Actor
) -> tuple[SurfaceVersion, bool]:
    """Record ``content`` as a version of the surface; (version, created) — dedupes by hash."""
    system = service.get_by_name(session, system_name, lock=True)
    surface = find_surface(system, surface_name)
    return version_of(session, surface, check_content(surface_name, content), actor)


def list_surface_versions(
    session: Session, system_name: str, surface_name: str, page: PageQuery | None = None
) -> Page[SurfaceVersion]:
    """The surface's versions, newest first, one page."""
    surface = find_surface(service.get_by_name(session, system_name), surface_name)
    query = select(SurfaceVersion).where(SurfaceVersion.surface_id == surface.id)
    return paginate(
        session,
        query,
        keys=[SurfaceVersion.number],
        list_name="surface-versions",
        page=page,
        descending=True,
    )
