"""Canary sets (versioned) and each system's canary target: read and write (D3, R4).

Functions take the session first and never commit; the caller owns the unit of work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.canaries.enums import TargetKind
from blastwall.canaries.models import CanaryRun, CanarySet, CanaryTarget
from blastwall.canaries.policy import TargetPolicy
from blastwall.canaries.schemas import (
    CanarySetBody,
    CanarySetRead,
    TargetRead,
    TargetSpec,
)
from blastwall.changes import Change, record
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.registry import service as registry
from blastwall.registry.models import System
from blastwall.registry.names import require_slug
from blastwall.registry.surfaces import canonical_hash


def newest(session: Session, system: System, name: str) -> CanarySet | None:
    query = (
        select(CanarySet)
        .where(CanarySet.system_id == system.id, CanarySet.name == name)
        .order_by(CanarySet.version.desc())
        .limit(1)
    )
    return session.scalar(query)


def put_set(
    session: Session, system_name: str, name: str, body: CanarySetBody, actor: Actor
) -> tuple[CanarySet, bool]:
    """Store ``body`` as the set's next version, unless it equals the newest (then: that)."""
    require_slug("canary set name", name)
    system = registry.get_by_name(session, system_name, lock=True)
    content = body.stored()
    digest = canonical_hash(content)
    current = newest(session, system, name)
    if current is not None and current.content_hash == digest:
        return current, False
    canary_set = CanarySet(
        system_id=system.id,
        name=name,
        version=(current.version + 1) if current else 1,
        content_hash=digest,
        description=content["description"],
        interval_s=content["interval_s"],
        cases=content["cases"],
        created_by=actor.name,
    )
    session.add(canary_set)
    session.flush()
    record(
        session,
        Change(
            actor=actor,
            action="canary_set.put",
            target=f"{system.name}/canaries/{name}",
            before={"version": current.version if current else None},
            after={"version": canary_set.version, "content_hash": digest},
        ),
    )
    return canary_set, True


def list_sets(session: Session, system_name: str, page: PageQuery | None = None) -> Page[CanarySet]:
    """The newest version of each of the system's canary sets, by name, one page."""
    system = registry.get_by_name(session, system_name)
    return paginate(
        session, _newest(system), keys=[CanarySet.name], list_name="canary-sets", page=page
    )


def newest_sets(session: Session, system: System) -> list[CanarySet]:
    """Every one of the system's sets at its newest version, by name (runs and the gate)."""
    return list(session.scalars(_newest(system).order_by(CanarySet.name)))


def _newest(system: System) -> Select[CanarySet]:
    """The newest version of each of the system's sets; a set's name is unique in it."""
    latest = (
        select(CanarySet.name, func.max(CanarySet.version).label("version"))
        .where(CanarySet.system_id == system.id)
        .group_by(CanarySet.name)
        .subquery()
    )
    return (
        select(CanarySet)
        .join(
            latest,
            (CanarySet.name == latest.c.name) & (CanarySet.version == latest.c.version),
        )
        .where(CanarySet.system_id == system.id)
    )


def get_set(session: Session, system_name: str, name: str, version: int | None = None) -> CanarySet:
    """One version of a set (default: the newest); NotFound says how to list them."""
    system = registry.get_by_name(session, system_name)
    if version is None:
        found = newest(session, system, name)
    else:
        found = session.scalar(
            select(CanarySet).where(
                CanarySet.system_id == system.id,
                CanarySet.name == name,
                CanarySet.version == version,
            )
        )
    if found is None:
        which = f"canary set {name!r}" + (f" version {version}" if version else "")
        raise NotFound(
            f"{system.name} has no {which}; `blastwall canary list {system.name}` lists the sets"
        )
    return found


def list_versions(
    session: Session, system_name: str, name: str, page: PageQuery | None = None
) -> Page[CanarySet]:
    """The set's versions, newest first, one page."""
    newest = get_set(session, system_name, name)  # the NotFound with its hint, on any page
    query = select(CanarySet).where(CanarySet.system_id == newest.system_id, CanarySet.name == name)
    return paginate(
        session,
        query,
        keys=[CanarySet.version],
        list_name="canary-set-versions",
        page=page,
        descending=True,
    )


def set_read(canary_set: CanarySet) -> CanarySetRead:
    return CanarySetRead(
        system=canary_set.system.name,
        name=canary_set.name,
        version=canary_set.version,
        content_hash=canary_set.content_hash,
        description=canary_set.description,
        interval_s=canary_set.interval_s,
        cases=canary_set.cases,
        created_at=canary_set.created_at,
        created_by=canary_set.created_by,
    )


# ------------------------------------------------------------------------------- target
TARGET_FIELDS = tuple(TargetSpec.model_fields)


def _target_values(target: CanaryTarget) -> dict[str, Any]:
    return {name: getattr(target, name) for name in TARGET_FIELDS}


def find_target(session: Session, system: System) -> CanaryTarget | None:
    return session.get(CanaryTarget, system.id)


def target_problem(spec: TargetSpec, policy: TargetPolicy | None = None) -> tuple[str, str] | None:
    """Why the administrator's allow-lists refuse ``spec``: (field, reason), or None."""
    policy = policy or TargetPolicy.of()
    if spec.kind is TargetKind.python and spec.callable is not None:
        problem = policy.callable_problem(spec.callable)
        return None if problem is None else ("callable", problem)
    if spec.kind is TargetKind.http and spec.url is not None:
        problem = policy.url_problem(spec.url)
        return None if problem is None else ("url", problem)
    return None


def put_target(
    session: Session,
    system_name: str,
    spec: TargetSpec,
    actor: Actor,
    policy: TargetPolicy | None = None,
) -> CanaryTarget:
    """Set where the system's canaries go and whether its releases are gated; audited.

    Refused unless ``policy`` (default: the server settings) allows the host or callable.
    """
    refused = target_problem(spec, policy)
    if refused is not None:
        field, problem = refused
        raise InvalidInput(f"{field}: {problem}", errors=[{"field": field, "message": problem}])
    system = registry.get_by_name(session, system_name, lock=True)
    if spec.environment is not None and spec.environment not in system.environments:
        raise InvalidInput(
            f"environment: {spec.environment!r} is not one of {system.name}'s environments "
            f"({', '.join(system.environments) or 'none declared'}); use one of those or "
            "leave it out"
        )
    wanted = spec.model_dump(mode="json")
    target = find_target(session, system)
    before = _target_values(target) if target is not None else None
    if target is None:
        target = CanaryTarget(system_id=system.id, updated_by=actor.name)
        session.add(target)
    elif before == wanted:
        return target
    for key, value in wanted.items():
        setattr(target, key, value)
    target.updated_by = actor.name
    session.flush()
    record(
        session,
        Change(
            actor=actor,
            action="canary_target.put",
            target=f"{system.name}/canary-target",
            before=before,
            after=wanted,
        ),
    )
    return target


def get_target(session: Session, system_name: str) -> CanaryTarget:
    system = registry.get_by_name(session, system_name)
    target = find_target(session, system)
    if target is None:
        raise NotFound(
            f"{system.name} has no canary target; set one under the system's "
            "'canary_target:' in blastwall.yaml and run `blastwall apply -f blastwall.yaml`"
        )
    return target


def target_read(target: CanaryTarget) -> TargetRead:
    return TargetRead(
        system=target.system.name,
        updated_at=target.updated_at,
        updated_by=target.updated_by,
        **_target_values(target),
    )


# --------------------------------------------------------------------------------- runs
def list_runs(
    session: Session,
    *,
    system: str | None = None,
    canary_set: str | None = None,
    release: str | None = None,
    page: PageQuery | None = None,
) -> Page[CanaryRun]:
    """Runs, newest first."""
    query = select(CanaryRun)
    if system is not None:
        query = query.where(CanaryRun.system == system)
    if canary_set is not None:
        query = query.where(CanaryRun.set_name == canary_set)
    if release is not None:
        query = query.where(CanaryRun.release == release)
    return paginate(
        session, query, keys=[CanaryRun.id], list_name="canary-runs", page=page, descending=True
    )


def get_run(session: Session, run_id: int) -> CanaryRun:
    run = session.get(CanaryRun, run_id)
    if run is None:
        raise NotFound(
            f"canary run {run_id} does not exist; `blastwall canary runs SYSTEM` lists them"
        )
    return run
