"""What detection asks the registry about releases: known-good or not, what each changed.

A monitor keeps the baseline it learned under the last known-good release and tests every
newer release against it (docs/detection.md, "Reference windows"); to do that the engine
needs, per release, whether it is known-good (and since when), which monitors it declares
it will move (``expect_shift``), and its surface versions, to name what a bad release
changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes import references
from blastwall.exceptions import InvalidInput
from blastwall.registry.models import Release, ReleaseItem, Surface, SurfaceVersion, System


@dataclass(frozen=True)
class ReleaseFacts:
    """One release as detection sees it."""

    id: int
    name: str
    known_good: bool
    known_good_at: datetime | None
    expect_shift: tuple[str, ...]
    surfaces: dict[str, int] = field(default_factory=dict)  # surface name -> version number


def facts(session: Session, release_ids: Iterable[int]) -> dict[int, ReleaseFacts]:
    """Release id -> its facts, two queries whatever the number of releases."""
    ids = sorted(set(release_ids))
    if not ids:
        return {}
    versions: dict[int, dict[str, int]] = {i: {} for i in ids}
    items = session.execute(
        select(ReleaseItem.release_id, Surface.name, SurfaceVersion.number)
        .join(Surface, Surface.id == ReleaseItem.surface_id)
        .join(SurfaceVersion, SurfaceVersion.id == ReleaseItem.surface_version_id)
        .where(ReleaseItem.release_id.in_(ids))
    )
    for release_id, surface, number in items:
        versions[release_id][surface] = number
    rows = session.execute(
        select(
            Release.id,
            Release.name,
            Release.known_good,
            Release.known_good_at,
            Release.expect_shift,
        ).where(Release.id.in_(ids))
    )
    return {
        rid: ReleaseFacts(rid, name, good, at, tuple(shift or ()), versions[rid])
        for rid, name, good, at, shift in rows
    }


def systems_with_known_good(session: Session) -> set[str]:
    """Names of the systems that have at least one release marked known-good."""
    query = (
        select(System.name)
        .join(Release, Release.system_id == System.id)
        .where(Release.known_good.is_(True))
        .distinct()
    )
    return set(session.scalars(query))


def changed_surfaces(before: ReleaseFacts, after: ReleaseFacts) -> list[str]:
    """Surfaces whose version differs between two releases, as 'prompt v1 -> v2', sorted."""
    changed = []
    for name in sorted(set(before.surfaces) | set(after.surfaces)):
        old, new = before.surfaces.get(name), after.surfaces.get(name)
        if old != new:
            changed.append(f"{name} v{old if old is not None else '-'} -> v{new}")
    return changed


def check_expect_shift(session: Session, system: System, names: list[str]) -> list[str]:
    """The monitor names a release may declare it moves: each must be one of the system's."""
    if not names:
        return []
    # Monitors belong to detect, which sits above registry: registry asks, detect answers.
    known = references.names(session, "monitor", system.id)
    unknown = sorted(set(names) - known)
    if unknown:
        listed = ", ".join(sorted(known)) or "none yet"
        raise InvalidInput(
            f"expect_shift names monitor(s) {', '.join(unknown)} that {system.name} does not "
            f"have; its monitors: {listed} (`blastwall monitor list {system.name}` lists them)"
        )
    return sorted(set(names))
