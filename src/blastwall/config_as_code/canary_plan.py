"""Plan a system's ``canary_target`` and ``canaries`` (D3, R4), read-only, for the planner.

- ``canary_target`` given: create or update the system's target; left out: ``unmanaged``.
- Each set in ``canaries``: ``create`` (version 1), ``update`` (a new version, because sets
  are immutable) or ``unchanged`` (same body as the newest version, compared by hash as the
  canaries service does). A stored set the file does not list is ``unmanaged``: sets
  cannot be deleted yet, and keep running (and gating) until the API can retire them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from blastwall.canaries import service as canaries
from blastwall.canaries.schemas import CanarySetBody, TargetSpec
from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.errors import Loc
from blastwall.config_as_code.schema import SystemSpec
from blastwall.config_as_code.steps import Changes, PlanItem
from blastwall.registry.models import System
from blastwall.registry.surfaces import canonical_hash


@dataclass(frozen=True)
class CanaryTargetWrite:
    """Set one system's canary target (and its release gate)."""

    loc: Loc
    system: str
    spec: TargetSpec


@dataclass(frozen=True)
class CanarySetWrite:
    """Store a new version of one canary set."""

    loc: Loc
    system: str
    name: str
    body: CanarySetBody


def plan_target(
    session: Session, at: Loc, spec: SystemSpec, row: System | None
) -> tuple[list[PlanItem], CanaryTargetWrite | None]:
    """The step for the system's target, and the write that makes it (None: nothing to do)."""
    stored = canaries.find_target(session, row) if row is not None else None
    if spec.canary_target is None:
        unmanaged = PlanItem(PlanAction.unmanaged, PlanKind.canary_target, spec.name)
        return ([unmanaged] if stored is not None else []), None
    after = spec.canary_target.model_dump(mode="json")
    fields: Changes
    if stored is None:
        action, fields = PlanAction.create, {k: (None, v) for k, v in after.items()}
    else:
        read = canaries.target_read(stored).model_dump(mode="json")
        fields = {k: (read[k], v) for k, v in after.items() if read[k] != v}
        action = PlanAction.update if fields else PlanAction.unchanged
    item = PlanItem(action, PlanKind.canary_target, spec.name, fields)
    if action is PlanAction.unchanged:
        return [item], None
    return [item], CanaryTargetWrite((*at, "canary_target"), spec.name, spec.canary_target)


def _case_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """``cases.NAME: (before, after)`` for each case added, changed or removed."""
    before = {case["name"]: case for case in old}
    after = {case["name"]: case for case in new}
    return {
        f"cases.{name}": (before.get(name), after.get(name))
        for name in [*after, *(n for n in before if n not in after)]
        if before.get(name) != after.get(name)
    }


def plan_sets(
    session: Session, at: Loc, spec: SystemSpec, row: System | None
) -> tuple[list[PlanItem], list[CanarySetWrite]]:
    """One step per declared set (and per stored set the file leaves out), and the writes."""
    stored = {s.name: s for s in canaries.newest_sets(session, row)} if row is not None else {}
    if spec.canaries is None:
        if not stored:
            return [], []
        return [PlanItem(PlanAction.unmanaged, PlanKind.canary_set, f"{spec.name}/*")], []
    items: list[PlanItem] = []
    writes: list[CanarySetWrite] = []
    for position, declared in enumerate(spec.canaries):
        body = declared.body()
        content = body.stored()
        old = stored.get(declared.name)
        name = f"{spec.name}/{declared.name}"
        if old is not None and old.content_hash == canonical_hash(content):
            items.append(PlanItem(PlanAction.unchanged, PlanKind.canary_set, name))
            continue
        previous: dict[str, Any] = {"version": None, "description": None, "interval_s": None}
        if old is not None:
            previous = {
                "version": old.version,
                "description": old.description,
                "interval_s": old.interval_s,
            }
        fields: dict[str, Any] = {"version": (previous["version"], (previous["version"] or 0) + 1)}
        for key in ("description", "interval_s"):
            if old is None or previous[key] != content[key]:
                fields[key] = (previous[key], content[key])
        fields.update(_case_changes(old.cases if old else [], content["cases"]))
        action = PlanAction.create if old is None else PlanAction.update
        items.append(PlanItem(action, PlanKind.canary_set, name, fields))
        loc: Loc = (*at, "canaries", position)
        writes.append(CanarySetWrite(loc, spec.name, declared.name, body))
    declared_names = {s.name for s in spec.canaries}
    items += [
        PlanItem(PlanAction.unmanaged, PlanKind.canary_set, f"{spec.name}/{other}")
        for other in stored
        if other not in declared_names
    ]
    return items, writes
