"""Policies as stored: load, check against the systems they name, replace, and list (C8).

Policies come only from ``blastwall.yaml`` (config apply replaces them whole, audited as
``policy.create``/``policy.update``/``policy.delete``); the API and CLI read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.policies.evaluate import activity, plan_sentence
from blastwall.policies.models import PolicyActivation, PolicyRow
from blastwall.policies.spec import WHOLE_RELEASE, PolicySpec

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SystemFacts:
    """What a policy may name on one system; ``monitors`` None: not known, not checked."""

    environments: frozenset[str]
    surfaces: frozenset[str]
    monitors: frozenset[str] | None


@dataclass(frozen=True)
class PolicyView:
    """A policy with its recent activity, as ``GET /policies`` and ``policy list`` show it."""

    spec: PolicySpec
    activations_last_hour: int
    last_fired: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.spec.body(),
            "when_text": self.spec.when.describe(),
            "do_text": plan_sentence(self.spec),
            "activations_last_hour": self.activations_last_hour,
            "last_fired": self.last_fired.isoformat() if self.last_fired else None,
        }


def load(session: Session) -> list[PolicySpec]:
    """The stored policies, by name."""
    rows = session.scalars(select(PolicyRow).order_by(PolicyRow.name))
    return [PolicySpec.model_validate(row.body) for row in rows]


def list_(session: Session, now: datetime | None = None) -> list[PolicyView]:
    """Every policy with its activations in the last hour and when it last fired."""
    now = now or utcnow()
    views = []
    for spec in load(session):
        last, count = activity(session, spec.name, now)
        views.append(PolicyView(spec, count, last))
    return views


def check(specs: Sequence[PolicySpec], systems: Mapping[str, SystemFacts]) -> list[tuple[Loc, str]]:
    """Problems with what the policies name: (key path under ``policies``, message)."""
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    for index, spec in enumerate(specs):
        if spec.name in seen:
            problems.append(
                (
                    (index, "name"),
                    f"{spec.name!r} is also policy {seen[spec.name]}: names are unique",
                )
            )
        seen.setdefault(spec.name, index)
        facts = systems.get(spec.system)
        if facts is None:
            known = ", ".join(sorted(systems)) or "none yet"
            problems.append(
                (
                    (index, "system"),
                    f"unknown system {spec.system!r}: declare it under systems (known: {known})",
                )
            )
            continue
        monitor = spec.when.alarm.monitor if spec.when.alarm else None
        if monitor is not None and facts.monitors is not None and monitor not in facts.monitors:
            listed = ", ".join(sorted(facts.monitors)) or "none"
            problems.append(
                (
                    (index, "when", "alarm", "monitor"),
                    f"{spec.system} has no monitor {monitor!r} (its monitors: {listed})",
                )
            )
        for at, action in enumerate(spec.do):
            problems += _action_problems((index, "do", at), spec.system, action, facts)
    return problems


def _action_problems(
    loc: Loc, system: str, action: Any, facts: SystemFacts
) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    envs = ", ".join(sorted(facts.environments))
    if action.rollback is not None and action.environment == "*":
        out.append(
            ((*loc, "environment"), f"a rollback needs one environment of {system} ({envs})")
        )
    elif action.environment != "*" and action.environment not in facts.environments:
        out.append(
            (
                (*loc, "environment"),
                f"{action.environment!r} is not an environment of {system} ({envs}; or '*')",
            )
        )
    if action.rollback not in (None, WHOLE_RELEASE) and action.rollback not in facts.surfaces:
        listed = ", ".join(sorted(facts.surfaces)) or "none"
        out.append(
            (
                (*loc, "rollback"),
                f"{system} has no surface {action.rollback!r}: write 'release' for the whole "
                f"release or one of its surfaces ({listed})",
            )
        )
    return out


def diff(session: Session, specs: Iterable[PolicySpec]) -> dict[str, tuple[Any, Any]]:
    """Policy name -> (stored body or None, wanted body or None) for each that changes."""
    before = {s.name: s.body() for s in load(session)}
    after = {s.name: s.body() for s in specs}
    return {
        name: (before.get(name), after.get(name))
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


def replace(session: Session, specs: Sequence[PolicySpec], actor: Actor) -> int:
    """Make the stored policies exactly ``specs``; one audited change per policy changed."""
    changed = diff(session, specs)
    for name, (before, after) in changed.items():
        if after is None:
            session.execute(delete(PolicyActivation).where(PolicyActivation.policy == name))
            session.execute(delete(PolicyRow).where(PolicyRow.name == name))
            verb = "delete"
        elif before is None:
            session.add(
                PolicyRow(name=name, system=after["system"], body=after, created_by=actor.name)
            )
            verb = "create"
        else:
            row = session.get(PolicyRow, name)
            assert row is not None
            row.body, row.system = after, after["system"]
            verb = "update"
        session.flush()
        record(
            session,
            Change(
                action=f"policy.{verb}",
                target=f"policy/{name}",
                actor=actor,
                before=before,
                after=after,
                system=(after or before or {}).get("system"),
            ),
        )
    return len(changed)
