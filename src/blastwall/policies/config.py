"""The ``policies:`` section of ``blastwall.yaml``: checked against the systems, planned, applied.

Left out of the file, stored policies are unmanaged; written (even as ``[]``), the file's
list replaces them whole. What a policy names (system, monitor, environment, surface) is
checked against the file's systems and the stored ones, each problem at its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.detect.monitors.models import Monitor
from blastwall.policies import service
from blastwall.policies.service import Loc, SystemFacts
from blastwall.policies.spec import PolicySpec
from blastwall.registry.models import System

SECTION = "policies"


def known_systems(session: Session, declared: Sequence[Any]) -> dict[str, SystemFacts]:
    """Facts of every stored system, overridden by the file's declarations (``SystemSpec``)."""
    facts: dict[str, SystemFacts] = {}
    for system in session.scalars(select(System)):
        names = session.scalars(select(Monitor.name).where(Monitor.system_id == system.id))
        facts[system.name] = SystemFacts(
            frozenset(system.environments),
            frozenset(s.name for s in system.surfaces),
            frozenset(names),
        )
    for spec in declared:
        stored = facts.get(spec.name)
        monitors = (
            frozenset(m.name for m in spec.monitors)
            if spec.monitors is not None
            else (stored.monitors if stored else frozenset())
        )
        surfaces = frozenset(s.name for s in spec.surfaces) | (
            stored.surfaces if stored else frozenset()
        )
        facts[spec.name] = SystemFacts(frozenset(spec.environments), surfaces, monitors)
    return facts


def plan(
    session: Session, wanted: Sequence[PolicySpec] | None, declared: Sequence[Any]
) -> tuple[list[tuple[str, str, dict[str, tuple[Any, Any]]]], list[tuple[Loc, str]], bool]:
    """(steps as (action, name, changes), problems, whether to write) for the section."""
    if wanted is None:
        stored = service.load(session)
        return [("unmanaged", SECTION, {})] if stored else [], [], False
    problems = service.check(wanted, known_systems(session, declared))
    changed = service.diff(session, wanted)
    # One order (by name) whatever changes, so a second plan lists the steps of the first.
    steps: list[tuple[str, str, dict[str, tuple[Any, Any]]]] = []
    for name in sorted({spec.name for spec in wanted} | changed.keys()):
        if name not in changed:
            steps.append(("unchanged", name, {}))
            continue
        before, after = changed[name]
        action = "create" if before is None else "delete" if after is None else "update"
        fields = {
            key: ((before or {}).get(key), (after or {}).get(key))
            for key in sorted(set(before or {}) | set(after or {}))
            if (before or {}).get(key) != (after or {}).get(key)
        }
        steps.append((action, name, fields))
    return steps, problems, bool(changed)
