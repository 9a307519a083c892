"""The inventory (P1): create, upsert, read and delete AI systems with actions and surfaces.

Releases, activation and rollback live in ``releases.py`` and ``rollback.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record, references
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.registry.enums import ChangeAction
from blastwall.registry.models import DownstreamAction, Release, Surface, SurfaceVersion, System
from blastwall.registry.schemas import ActionSpec, SystemSpec

Changes = dict[str, tuple[Any, Any]]
"""field -> (before, after); ``before`` is None for a system being created."""


@dataclass(frozen=True)
class SystemUpsert:
    """What ``upsert_system`` did: the row, whether it was created/updated/unchanged, how."""

    system: System
    action: ChangeAction
    changes: Changes


def _find(session: Session, name: str, *, lock: bool = False) -> System | None:
    query = select(System).where(System.name == name)
    if lock:
        # Serialize writers per system on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).
        query = query.with_for_update()
    return session.scalar(query)


def get_by_name(session: Session, name: str, *, lock: bool = False) -> System:
    """The system called ``name``; ``lock`` holds its row until commit (use before writing)."""
    system = _find(session, name, lock=lock)
    if system is None:
        raise NotFound(f"no system named {name!r}; `blastwall systems` lists the systems")
    return system


def list_(session: Session, page: PageQuery | None = None) -> Page[System]:
    """Systems by name, one page (follow its ``next_cursor``)."""
    return paginate(session, select(System), keys=[System.name], list_name="systems", page=page)


def all_(session: Session) -> list[System]:
    """Every system by name, for callers inside the server (there are tens, not millions)."""
    return list(session.scalars(select(System).order_by(System.name)))


def require_environment(system: System, environment: str) -> str:
    """Return ``environment`` if the system runs there; else say which ones it has."""
    if environment not in system.environments:
        raise InvalidInput(
            f"environment {environment!r} is not one of {system.name}'s environments "
            f"({', '.join(system.environments)}); use one of those, or add it to the system"
        )
    return environment


def _fields(source: System | SystemSpec) -> dict[str, Any]:
    """The comparable fields of a stored system or a spec; enums as their string values."""
    actions = (
        {"name": a.name, "reversible": a.reversible, "description": a.description}
        for a in source.actions
    )
    return {
        "description": source.description,
        "owner": source.owner,
        "risk_tier": str(source.risk_tier),
        "environments": list(source.environments),
        "fallback": source.fallback,
        "stale_policy": str(source.stale_policy),
        "stale_after_s": source.stale_after_s,
        "retention_days": source.retention_days,
        "hold_severity": source.hold_severity,
        "actions": sorted(actions, key=lambda a: str(a["name"])),
        "surfaces": sorted(
            ({"name": s.name, "kind": str(s.kind)} for s in source.surfaces),
            key=lambda s: s["name"],
        ),
    }


def _versioned_surfaces(session: Session, system: System) -> set[str]:
    query = (
        select(Surface.name)
        .join(SurfaceVersion, SurfaceVersion.surface_id == Surface.id)
        .where(Surface.system_id == system.id)
        .distinct()
    )
    return set(session.scalars(query))


def _check_surface_changes(session: Session, system: System, spec: SystemSpec) -> None:
    # Versions and releases point at surfaces: removing or re-kinding one would rewrite history.
    versioned = _versioned_surfaces(session, system)
    wanted = {s.name: s.kind.value for s in spec.surfaces}
    for surface in system.surfaces:
        if surface.name not in versioned:
            continue
        if surface.name not in wanted:
            raise Conflict(
                f"surface {surface.name!r} of {system.name} has versions and cannot be removed; "
                "keep it in the system's surfaces"
            )
        if wanted[surface.name] != surface.kind:
            raise Conflict(
                f"surface {surface.name!r} of {system.name} has versions of kind "
                f"{surface.kind!r} and cannot become {wanted[surface.name]!r}; "
                "add a new surface with another name instead"
            )


def plan_system(session: Session, spec: SystemSpec) -> tuple[ChangeAction, Changes]:
    """What ``upsert_system(spec)`` would do, without writing (config-as-code dry runs)."""
    system = _find(session, spec.name)
    after = _fields(spec)
    if system is None:
        return ChangeAction.create, {field: (None, value) for field, value in after.items()}
    _check_surface_changes(session, system, spec)
    before = _fields(system)
    changes = {f: (before[f], after[f]) for f in after if before[f] != after[f]}
    return (ChangeAction.update if changes else ChangeAction.unchanged), changes


def _apply(system: System, spec: SystemSpec) -> None:
    system.description = spec.description
    system.owner = spec.owner
    system.risk_tier = spec.risk_tier.value
    system.environments = list(spec.environments)
    system.fallback = spec.fallback
    system.stale_policy = spec.stale_policy.value
    system.stale_after_s = spec.stale_after_s
    system.retention_days = spec.retention_days
    system.hold_severity = spec.hold_severity

    actions = {a.name: a for a in system.actions}
    system.actions = [
        _update_action(actions.get(a.name) or DownstreamAction(name=a.name), a)
        for a in sorted(spec.actions, key=lambda a: a.name)
    ]
    surfaces = {s.name: s for s in system.surfaces}
    kept: list[Surface] = []
    # Sorted like the relationships' order_by, so a fresh row reads the same as a loaded one.
    for wanted in sorted(spec.surfaces, key=lambda s: s.name):
        surface = surfaces.get(wanted.name) or Surface(name=wanted.name)
        surface.kind = wanted.kind.value
        kept.append(surface)
    system.surfaces = kept


def _update_action(action: DownstreamAction, spec: ActionSpec) -> DownstreamAction:
    action.reversible = spec.reversible
    action.description = spec.description
    return action


def upsert_system(session: Session, spec: SystemSpec, actor: Actor) -> SystemUpsert:
    """Create the system or bring it in line with ``spec``; idempotent, reports what changed."""
    system = _find(session, spec.name, lock=True)
    action, changes = plan_system(session, spec)
    if action is ChangeAction.unchanged:
        assert system is not None
        return SystemUpsert(system, action, changes)
    if system is None:
        system = System(name=spec.name)
        session.add(system)
    _apply(system, spec)
    session.flush()
    record(
        session,
        Change(
            actor=actor,
            action=f"system.{action.value}",
            target=system.name,
            before={f: before for f, (before, _) in changes.items()},
            after={f: after for f, (_, after) in changes.items()},
        ),
    )
    return SystemUpsert(system, action, changes)


def create(session: Session, spec: SystemSpec, actor: Actor) -> System:
    """Add a new system to the inventory; refuses a name already taken."""
    if _find(session, spec.name) is not None:
        raise Conflict(
            f"a system named {spec.name!r} exists; "
            "change it in blastwall.yaml and run `blastwall apply -f blastwall.yaml`, "
            "or pick another name"
        )
    return upsert_system(session, spec, actor).system


def delete(session: Session, name: str, actor: Actor) -> None:
    """Remove a system that never shipped; one with releases or incidents is history to keep."""
    system = get_by_name(session, name, lock=True)
    releases = session.scalar(
        select(func.count()).select_from(Release).where(Release.system_id == system.id)
    )
    # Incidents sit above the registry in the house: they answer how many name the system.
    kept = {"release(s)": releases or 0, **references.holders(session, "system", system.id)}
    if any(kept.values()):
        held = " and ".join(f"{count} {label}" for label, count in kept.items())
        raise Conflict(
            f"system {name!r} has {held} and cannot be deleted; their history must stay readable"
        )
    before = _fields(system)
    session.delete(system)
    session.flush()
    record(session, Change(actor=actor, action="system.delete", target=name, before=before))
