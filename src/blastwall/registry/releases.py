"""Releases (R1, R2): create, read, mark known-good, activate per environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from blastwall.access.schemas import Actor
from blastwall.canaries import gate as canary_gate
from blastwall.changes import Change, record, references
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry import feed, known_good, service
from blastwall.registry.enums import KNOWN_GOOD
from blastwall.registry.models import Deployment, Release, ReleaseItem, SurfaceVersion, System
from blastwall.registry.names import require_slug
from blastwall.registry.surfaces import check_content, unknown_surface, version_of

_WITH_ITEMS = (
    selectinload(Release.items).selectinload(ReleaseItem.surface),
    selectinload(Release.items).selectinload(ReleaseItem.version),
)


def versions(release: Release) -> dict[str, int]:
    """surface name -> version number, for audit entries and comparisons."""
    return {item.surface.name: item.version.number for item in release.items}


def newest_release(session: Session, system: System) -> Release | None:
    query = (
        select(Release)
        .where(Release.system_id == system.id)
        .order_by(Release.id.desc())
        .limit(1)
        .options(*_WITH_ITEMS)
    )
    return session.scalar(query)


def newest_known_good(session: Session, system: System) -> Release:
    """The most recently created release marked known-good; else say how to get one."""
    query = (
        select(Release)
        .where(Release.system_id == system.id, Release.known_good.is_(True))
        .order_by(Release.id.desc())
        .limit(1)
        .options(*_WITH_ITEMS)
    )
    release = session.scalar(query)
    if release is None:
        raise Conflict(
            f"no release of {system.name} is marked known-good; mark one with "
            f"`blastwall release mark-known-good {system.name} RELEASE --reason ...`, "
            "or roll back to a named release (--to RELEASE)"
        )
    return release


def find_release(session: Session, system: System, name: str) -> Release:
    query = (
        select(Release)
        .where(Release.system_id == system.id, Release.name == name)
        .options(*_WITH_ITEMS)
    )
    release = session.scalar(query)
    if release is None:
        raise NotFound(
            f"{system.name} has no release {name!r}; "
            f"`blastwall release list {system.name}` lists them"
        )
    return release


def add_release(
    session: Session,
    system: System,
    *,
    name: str,
    chosen: Mapping[int, SurfaceVersion],
    notes: str,
    actor: Actor,
    expect_shift: list[str] | None = None,
) -> Release:
    """Store a release of exactly the versions in ``chosen`` (surface id -> version)."""
    release = Release(
        system_id=system.id,
        name=name,
        notes=notes,
        expect_shift=list(expect_shift or []),
        created_by=actor.name,
    )
    release.items = [
        ReleaseItem(surface_id=surface_id, surface_version_id=version.id)
        for surface_id, version in chosen.items()
    ]
    session.add(release)
    session.flush()
    session.refresh(release, ["items"])
    return release


def create_release(
    session: Session,
    system_name: str,
    *,
    name: str,
    surfaces: Mapping[str, object],
    actor: Actor,
    notes: str = "",
    expect_shift: list[str] | None = None,
) -> Release:
    """Freeze a new release; surfaces not named keep their version from the newest release.

    ``expect_shift`` names the monitors the release is meant to move: they re-learn their
    baseline under it rather than test it against the known-good one.
    """
    require_slug("release name", name)
    if name == KNOWN_GOOD:
        raise InvalidInput(
            f"release name {KNOWN_GOOD!r} is reserved: it means the newest known-good release "
            "when rolling back; pick another name"
        )
    system = service.get_by_name(session, system_name, lock=True)
    if session.scalar(
        select(Release.id).where(Release.system_id == system.id, Release.name == name)
    ):
        raise Conflict(
            f"{system.name} already has a release {name!r}; releases are immutable, "
            "create one with a new name"
        )
    if not system.surfaces:
        raise InvalidInput(
            f"{system.name} has no surfaces to release; declare them under the system's "
            "'surfaces:' in blastwall.yaml and run `blastwall apply -f blastwall.yaml`"
        )
    unknown = sorted(set(surfaces) - {s.name for s in system.surfaces})
    if unknown:
        raise InvalidInput(unknown_surface(system, *unknown))
    contents = {surface: check_content(surface, content) for surface, content in surfaces.items()}
    shifts = known_good.check_expect_shift(session, system, expect_shift or [])

    base = newest_release(session, system)
    carried = {item.surface_id: item.version for item in base.items} if base else {}
    missing = [s.name for s in system.surfaces if s.name not in contents and s.id not in carried]
    if missing and base is None:
        raise InvalidInput(
            f"release {name!r} is the first of {system.name}, so it must give content for "
            f"every surface; missing: {', '.join(missing)}"
        )
    if missing and base is not None:
        raise InvalidInput(
            f"release {name!r} must give content for surface(s) {', '.join(missing)}: "
            f"the newest release, {base.name}, has no version of them"
        )

    with session.begin_nested():
        chosen: dict[int, SurfaceVersion] = {}
        for surface in system.surfaces:
            if surface.name in contents:
                chosen[surface.id], _ = version_of(session, surface, contents[surface.name], actor)
            else:
                chosen[surface.id] = carried[surface.id]
        release = add_release(
            session,
            system,
            name=name,
            chosen=chosen,
            notes=notes,
            actor=actor,
            expect_shift=shifts,
        )
        after: dict[str, Any] = {"release": release.name, "surfaces": versions(release)}
        if shifts:
            after["expect_shift"] = shifts
        record(
            session,
            Change(
                actor=actor,
                action="release.create",
                target=f"{system.name}@{release.name}",
                after=after,
            ),
        )
    return release


def list_releases(
    session: Session, system_name: str, page: PageQuery | None = None
) -> Page[Release]:
    """The system's releases, newest first, one page."""
    system = service.get_by_name(session, system_name)
    query = select(Release).where(Release.system_id == system.id).options(*_WITH_ITEMS)
    return paginate(
        session, query, keys=[Release.id], list_name="releases", page=page, descending=True
    )


def oldest_release(session: Session, system: System) -> Release | None:
    """The system's first release (None before any), e.g. to put in force on a fresh install."""
    query = select(Release).where(Release.system_id == system.id).order_by(Release.id).limit(1)
    return session.scalar(query)


def get_release(session: Session, system_name: str, release_name: str) -> Release:
    return find_release(session, service.get_by_name(session, system_name), release_name)


def mark_known_good(
    session: Session,
    system_name: str,
    release_name: str,
    *,
    actor: Actor,
    reason: str = "",
    known_good: bool = True,
) -> Release:
    """Mark (or, with ``known_good=False``, unmark) a release as a rollback target (R2)."""
    system = service.get_by_name(session, system_name, lock=True)
    release = find_release(session, system, release_name)
    if release.known_good == known_good:
        return release
    with session.begin_nested():
        release.known_good = known_good
        release.known_good_at = utcnow() if known_good else None
        record(
            session,
            Change(
                actor=actor,
                action="release.known_good" if known_good else "release.not_known_good",
                target=f"{system.name}@{release.name}",
                reason=reason,
                before={"known_good": not known_good},
                after={"known_good": known_good},
            ),
        )
    return release


def active_deployment(session: Session, system: System, environment: str) -> Deployment | None:
    """The newest deployment in the environment: the release in force there."""
    query = (
        select(Deployment)
        .where(Deployment.system_id == system.id, Deployment.environment == environment)
        .order_by(Deployment.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def require_incident(session: Session, incident_id: int | None) -> None:
    """Refuse an incident id that does not exist before anything is written."""
    if incident_id is not None:
        references.require(session, "incident", incident_id)


def describe(deployment: Deployment | None) -> dict[str, Any]:
    """What was in force, as the audit log records it."""
    if deployment is None:
        return {"release": None}
    return {"release": deployment.release.name, "surfaces": versions(deployment.release)}


def deploy(
    session: Session,
    system: System,
    release: Release,
    *,
    environment: str,
    actor: Actor,
    reason: str,
    incident_id: int | None,
    action: str,
    message: str,
    data: dict[str, Any],
) -> Deployment:
    """Put ``release`` in force and record the change (audit, and the incident's timeline).

    ``message`` is the timeline sentence; the entry's kind follows ``action``
    (``incidents.subscribers.timeline_kind``).

    Callers wrap this in a savepoint: if any step fails, none of them happened.
    """
    previous = active_deployment(session, system, environment)
    before = describe(previous)
    deployment = Deployment(
        system_id=system.id,
        environment=environment,
        release_id=release.id,
        activated_by=actor.name,
        reason=reason,
        incident_id=incident_id,
        revision=feed.next_revision(session),
    )
    session.add(deployment)
    session.flush()
    feed.announce_after_commit(session, deployment.revision)
    record(
        session,
        Change(
            actor=actor,
            action=action,
            target=f"{system.name}/{environment}",
            reason=reason,
            before=before,
            after=describe(deployment),
            incident_id=incident_id,
            system=system.name,
            timeline=message,
            data={"system": system.name, "environment": environment, **data},
        ),
    )
    return deployment


def activate(
    session: Session,
    system_name: str,
    release_name: str,
    *,
    environment: str,
    actor: Actor,
    reason: str = "",
    incident_id: int | None = None,
) -> Deployment:
    """Make the release the one in force in ``environment``; audited, and on the incident."""
    canary_gate.require_passed(session, system_name, release_name)
    system = service.get_by_name(session, system_name, lock=True)
    service.require_environment(system, environment)
    release = find_release(session, system, release_name)
    require_incident(session, incident_id)
    current = active_deployment(session, system, environment)
    if current is not None and current.release_id == release.id:
        raise Conflict(
            f"release {release.name} is already active in {system.name}/{environment}; "
            "nothing to do"
        )
    with session.begin_nested():
        return deploy(
            session,
            system,
            release,
            environment=environment,
            actor=actor,
            reason=reason,
            incident_id=incident_id,
            action="release.activate",
            message=f"Activated release {release.name} in {system.name}/{environment}",
            data={
                "from_release": current.release.name if current else None,
                "to_release": release.name,
            },
        )


def get_active(session: Session, system_name: str, environment: str) -> Deployment:
    """The deployment in force in ``environment``; NotFound if none was ever activated."""
    system = service.get_by_name(session, system_name)
    service.require_environment(system, environment)
    deployment = active_deployment(session, system, environment)
    if deployment is None:
        raise NotFound(
            f"nothing is active in {system.name}/{environment}; activate a release with "
            f"`blastwall release activate {system.name} RELEASE --env {environment} "
            "--reason ...`"
        )
    return deployment


def list_deployments(
    session: Session,
    system_name: str,
    environment: str | None = None,
    page: PageQuery | None = None,
) -> Page[Deployment]:
    """Activation history (rollbacks included), newest first, one page."""
    system = service.get_by_name(session, system_name)
    query = select(Deployment).where(Deployment.system_id == system.id)
    if environment is not None:
        service.require_environment(system, environment)
        query = query.where(Deployment.environment == environment)
    return paginate(
        session, query, keys=[Deployment.id], list_name="deployments", page=page, descending=True
    )
