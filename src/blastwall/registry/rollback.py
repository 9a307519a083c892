"""Rollback (R2): one surface or the whole release, to known-good or a named release, at once.

Rolling back one surface creates a derived release (``<current>+rollback-<surface>-<n>``)
and activates it, so what is in force is always a release. Every check runs before the
first write, and the writes share one savepoint: a failed rollback changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.registry import service
from blastwall.registry.enums import KNOWN_GOOD
from blastwall.registry.models import Release, Surface, SurfaceVersion, System
from blastwall.registry.names import NAME_MAX
from blastwall.registry.releases import (
    active_deployment,
    add_release,
    deploy,
    find_release,
    newest_known_good,
    require_incident,
)
from blastwall.registry.surfaces import unknown_surface

# Long surface names are cut in derived release names so the name stays within NAME_MAX.
_SURFACE_IN_NAME = 40


@dataclass(frozen=True)
class RollbackResult:
    """What a rollback did: which release was in force before and after, what changed."""

    environment: str
    from_release: str
    to_release: str
    surfaces_changed: list[str]


def _derived_name(session: Session, system: System, current: Release, surface: str) -> str:
    taken = set(session.scalars(select(Release.name).where(Release.system_id == system.id)))
    n = 1
    while True:
        suffix = f"+rollback-{surface[:_SURFACE_IN_NAME]}-{n}"
        name = current.name + suffix
        if len(name) > NAME_MAX:
            # Chained rollbacks grow the name; fall back to the original release's name.
            root = current.name.split("+", 1)[0]
            name = root[: NAME_MAX - len(suffix)] + suffix
        if name not in taken:
            return name
        n += 1


def _find_surface(system: System, name: str) -> Surface:
    for surface in system.surfaces:
        if surface.name == name:
            return surface
    raise InvalidInput(unknown_surface(system, name))


def _changed(system: System, before: Release, after: Release) -> list[str]:
    old = {item.surface_id: item.surface_version_id for item in before.items}
    new = {item.surface_id: item.surface_version_id for item in after.items}
    return sorted(s.name for s in system.surfaces if old.get(s.id) != new.get(s.id))


def rollback(
    session: Session,
    system_name: str,
    *,
    environment: str,
    reason: str,
    actor: Actor,
    to: str = KNOWN_GOOD,
    surface: str | None = None,
    incident_id: int | None = None,
) -> RollbackResult:
    """Return ``environment`` to release ``to`` ('known-good' = newest known-good release).

    With ``surface``, only that surface goes back to its version in ``to``; the others stay.
    """
    if not reason.strip():
        raise InvalidInput(
            "reason is required: say why you are rolling back (it goes in the audit log)"
        )
    system = service.get_by_name(session, system_name, lock=True)
    service.require_environment(system, environment)
    only = _find_surface(system, surface) if surface is not None else None
    require_incident(session, incident_id)
    where = f"{system.name}/{environment}"
    current = active_deployment(session, system, environment)
    if current is None:
        raise Conflict(
            f"nothing is active in {where}, so there is nothing to roll back; "
            f"activate a release there first"
        )
    current_release = current.release
    target = (
        newest_known_good(session, system)
        if to == KNOWN_GOOD
        else find_release(session, system, to)
    )

    wanted: SurfaceVersion | None = None
    if only is None:
        changed = _release_changes(system, where, current_release, target)
    else:
        wanted = _surface_target(where, current_release, target, only)
        changed = [only.name]

    with session.begin_nested():
        if only is not None and wanted is not None:
            chosen = {item.surface_id: item.version for item in current_release.items}
            chosen[only.id] = wanted
            target = add_release(
                session,
                system,
                name=_derived_name(session, system, current_release, only.name),
                chosen=chosen,
                notes=(
                    f"Rollback of surface {only.name} in {environment} from release "
                    f"{current_release.name} to version {wanted.number} "
                    f"(from release {target.name}): {reason}"
                ),
                actor=actor,
            )
        message = f"Rolled back {where} from {current_release.name} to {target.name}"
        deploy(
            session,
            system,
            target,
            environment=environment,
            actor=actor,
            reason=reason,
            incident_id=incident_id,
            action="release.rollback",
            message=f"{message} (changed: {', '.join(changed)})",
            data={
                "from_release": current_release.name,
                "to_release": target.name,
                "surfaces_changed": changed,
            },
        )
    return RollbackResult(environment, current_release.name, target.name, changed)


def _version_in(release: Release, surface: Surface) -> SurfaceVersion | None:
    for item in release.items:
        if item.surface_id == surface.id:
            return item.version
    return None


def _release_changes(system: System, where: str, current: Release, target: Release) -> list[str]:
    """The surfaces a whole-release rollback changes; refuses one that changes nothing."""
    changed = _changed(system, current, target)
    if not changed:
        same = (
            ""
            if target.id == current.id
            else f", which has the same surface versions as {target.name}"
        )
        raise Conflict(f"{where} already runs release {current.name}{same}; nothing to roll back")
    return changed


def _surface_target(where: str, current: Release, target: Release, only: Surface) -> SurfaceVersion:
    """The version of ``only`` to restore from ``target``; refuses one already in force."""
    wanted = _version_in(target, only)
    if wanted is None:
        raise Conflict(
            f"release {target.name} has no version of surface {only.name!r}; "
            "roll it back to another release"
        )
    now = _version_in(current, only)
    if now is not None and now.id == wanted.id:
        raise Conflict(
            f"surface {only.name!r} in {where} is already at version {wanted.number} "
            f"(as in release {target.name}); nothing to roll back"
        )
    return wanted
