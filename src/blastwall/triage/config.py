"""Plan and apply the ``triage`` section of ``blastwall.yaml`` (config_as_code calls these).

The section is the whole truth: a system's tree it no longer lists is deleted. Left out,
trees are unmanaged. Every write goes through ``changes.record``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.steps import PlanItem
from blastwall.db.base import utcnow
from blastwall.oncall.models import Policy
from blastwall.registry.models import System
from blastwall.triage.checks import Loc, Problem
from blastwall.triage.models import TriageTree
from blastwall.triage.spec import TriageTreeSpec


class Named(Protocol):
    @property
    def name(self) -> str: ...


class DeclaredSystem(Protocol):
    """What the section needs of a system declared in the same file."""

    @property
    def name(self) -> str: ...

    @property
    def owner(self) -> str: ...

    @property
    def surfaces(self) -> Iterable[Named]: ...

    @property
    def actions(self) -> Iterable[Named]: ...


@dataclass(frozen=True)
class Known:
    """The names a tree may refer to, per system, and the teams."""

    surfaces: dict[str, set[str]]
    actions: dict[str, set[str]]
    teams: set[str]


@dataclass
class TriageWrite:
    """Trees to store (system -> questions) and systems whose tree is deleted."""

    trees: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)


def known(
    session: Session, declared: Iterable[DeclaredSystem], policies: Iterable[str] | None
) -> Known:
    """Systems of the file (as declared) and of the registry; teams are systems' owners
    and escalation policy names (the file's when it has an oncall section)."""
    surfaces: dict[str, set[str]] = {}
    actions: dict[str, set[str]] = {}
    teams: set[str] = set()
    for row in session.scalars(select(System)):
        surfaces[row.name] = {s.name for s in row.surfaces}
        actions[row.name] = {a.name for a in row.actions}
        teams.add(row.owner)
    for spec in declared:
        surfaces[spec.name] = {s.name for s in spec.surfaces}
        actions[spec.name] = {a.name for a in spec.actions}
        teams.add(spec.owner)
    if policies is None:
        policies = session.scalars(select(Policy.name))
    teams |= set(policies)
    return Known(surfaces, actions, teams)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def _tree_problems(tree: TriageTreeSpec, at: Loc, names: Known) -> list[Problem]:
    if tree.system not in names.surfaces:
        return [
            (
                (*at, "system"),
                f"{tree.system!r} is neither declared under systems nor known to Blastwall "
                f"({_listed(names.surfaces)}): fix the name, or declare the system",
            )
        ]
    problems: list[Problem] = []
    surfaces, actions = names.surfaces[tree.system], names.actions[tree.system]
    for qi, question in enumerate(tree.questions):
        for ai, answer in enumerate(question.answers):
            outcome = answer.outcome
            if outcome is None:
                continue
            loc: Loc = (*at, "questions", qi, "answers", ai, "outcome")
            if outcome.surface is not None and outcome.surface not in surfaces:
                problems.append(
                    (
                        (*loc, "surface"),
                        f"{outcome.surface!r} is not a surface of {tree.system} "
                        f"({_listed(surfaces)}): fix the name, or declare the surface",
                    )
                )
            if outcome.team is not None and outcome.team not in names.teams:
                problems.append(
                    (
                        (*loc, "team"),
                        f"{outcome.team!r} is not a known team ({_listed(names.teams)}): "
                        "use a system's owner or an escalation policy's name",
                    )
                )
            for li, lever in enumerate(outcome.levers):
                if lever.lever == "disable_tool" and lever.value not in actions:
                    problems.append(
                        (
                            (*loc, "levers", li, "value"),
                            f"{lever.value!r} is not an action of {tree.system} "
                            f"({_listed(actions)}): name a declared action",
                        )
                    )
    return problems


def plan(
    session: Session, trees: list[TriageTreeSpec], names: Known
) -> tuple[list[PlanItem], list[Problem], TriageWrite]:
    """The steps applying the section takes, the problems needing the database, the writes."""
    problems: list[Problem] = []
    for index, tree in enumerate(trees):
        problems += _tree_problems(tree, (index,), names)
    stored = {
        name: tree.questions
        for tree, name in session.execute(
            select(TriageTree, System.name).join(System, System.id == TriageTree.system_id)
        )
    }
    items: list[PlanItem] = []
    write = TriageWrite()
    for tree in trees:
        after = tree.stored()
        before = stored.get(tree.system)
        if before == after:
            items.append(PlanItem(PlanAction.unchanged, PlanKind.triage_tree, tree.system))
            continue
        action = PlanAction.create if before is None else PlanAction.update
        count = (len(before) if before else None, len(after))
        items.append(PlanItem(action, PlanKind.triage_tree, tree.system, {"questions": count}))
        write.trees[tree.system] = after
    wanted = {tree.system for tree in trees}
    for name in sorted(stored):
        if name not in wanted:
            items.append(PlanItem(PlanAction.delete, PlanKind.triage_tree, name))
            write.deleted.append(name)
    return items, problems, write


def anything_stored(session: Session) -> bool:
    return session.scalar(select(TriageTree.id).limit(1)) is not None


def apply(session: Session, write: TriageWrite, actor: Actor) -> None:
    """Carry out ``write`` in the caller's transaction; each change audited."""
    for name, questions in write.trees.items():
        system = session.scalar(select(System).where(System.name == name))
        if system is None:  # planned against the file; the systems were written just before
            raise LookupError(f"system {name} vanished during apply")
        row = session.scalar(select(TriageTree).where(TriageTree.system_id == system.id))
        before = {"questions": row.questions} if row is not None else None
        if row is None:
            row = TriageTree(system_id=system.id)
            session.add(row)
        row.questions = questions
        row.updated_at = utcnow()
        session.flush()
        record(
            session,
            Change(
                action=f"triage.tree.{'create' if before is None else 'update'}",
                target=f"triage/{name}",
                actor=actor,
                reason="blastwall.yaml applied",
                system=name,
                before=before,
                after={"questions": questions},
            ),
        )
    for name in write.deleted:
        found = session.execute(
            select(TriageTree)
            .join(System, System.id == TriageTree.system_id)
            .where(System.name == name)
        ).scalar_one_or_none()
        if found is None:
            continue
        record(
            session,
            Change(
                action="triage.tree.delete",
                target=f"triage/{name}",
                actor=actor,
                reason="no longer in blastwall.yaml",
                system=name,
                before={"questions": found.questions},
            ),
        )
        session.delete(found)
        session.flush()
