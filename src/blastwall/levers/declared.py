"""What a system declares that the C6 levers name: its tools and its retrieval sources.

Disabling a tool or narrowing retrieval to a source the system does not have does nothing
in production while the responder believes it contained something, so a lever change may
only add names the registry declares. Names already in force stay allowed (a tool removed
from the registry later can still be switched back on). A system that declares no tool
(or source) at all is refused too, with the hint to declare them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.exceptions import InvalidInput
from blastwall.registry.enums import SurfaceKind
from blastwall.registry.models import Surface, SurfaceVersion, System


def tools(system: System) -> list[str]:
    """The tools a system declares: its downstream actions (``actions`` in blastwall.yaml)."""
    return sorted(action.name for action in system.actions)


def retrieval_sources(session: Session, system: System) -> list[str]:
    """The sources a system declares: the name of each retrieval surface, and each name in
    the ``sources`` list of any version of one (any version, as a rollback can restore it)."""
    names = {s.name for s in system.surfaces if s.kind == SurfaceKind.retrieval}
    stmt = (
        select(SurfaceVersion.content)
        .join(Surface, SurfaceVersion.surface_id == Surface.id)
        .where(Surface.system_id == system.id, Surface.kind == SurfaceKind.retrieval)
    )
    for content in session.scalars(stmt):
        listed = content.get("sources") if isinstance(content, dict) else None
        if isinstance(listed, list):
            names.update(item for item in listed if isinstance(item, str))
    return sorted(names)


def check(
    session: Session, system: System, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """Raise InvalidInput when ``after`` adds a tool or source ``system`` does not declare."""
    new_tools = _added(before.get("disabled_tools"), after.get("disabled_tools"))
    if new_tools:
        _refuse(system, "tool", "disabled_tools", new_tools, tools(system), where="actions")
    new_sources = _added(before.get("retrieval_sources"), after.get("retrieval_sources"))
    if new_sources:
        declared = retrieval_sources(session, system)
        _refuse(
            system,
            "retrieval source",
            "retrieval_sources",
            new_sources,
            declared,
            where="a retrieval surface (its name, or its content's sources list)",
        )


def _added(before: list[str] | None, after: list[str] | None) -> list[str]:
    return [name for name in after or [] if name not in (before or [])]


def _refuse(
    system: System, kind: str, field: str, names: list[str], declared: list[str], *, where: str
) -> None:
    unknown = [name for name in names if name not in declared]
    if not unknown:
        return
    listed = ", ".join(unknown)
    if not declared:
        # Refused, not allowed: a lever naming a tool nobody declared is a typo as often as
        # not, and the registry is where responders look up what a system can do.
        raise InvalidInput(
            f"{system.name} declares no {kind}s yet, so {listed} cannot be named: declare "
            f"it in {where} with `blastwall apply`, then pull the lever",
            field=f"set.{field}",
        )
    known = ", ".join(declared)
    raise InvalidInput(
        f"{system.name} declares no {kind} named {listed}; its {kind}s are: {known}. "
        f"Use one of them, or declare it in {where} with `blastwall apply`",
        field=f"set.{field}",
    )
