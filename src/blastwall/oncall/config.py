"""Plan and apply the ``oncall`` section of ``blastwall.yaml`` (config_as_code calls these).

The section is the whole truth: people, schedules, policies and coverage rules it does not
list are deleted (with their overrides). Every write goes through ``changes.record``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.steps import PlanItem
from blastwall.db.base import utcnow
from blastwall.oncall.checks import Loc, Problem
from blastwall.oncall.models import CoverageRule, Override, Person, Policy, Schedule
from blastwall.oncall.spec import OncallSpec, PersonSpec, PolicySpec, ScheduleSpec

Fields = dict[str, Any]


def person_fields(spec: PersonSpec) -> Fields:
    return spec.model_dump(mode="json", exclude={"name"})


def schedule_fields(spec: ScheduleSpec) -> Fields:
    layers = [
        {
            **layer.model_dump(mode="json", exclude_none=True),
            "name": layer.name or f"layer-{number}",
        }
        for number, layer in enumerate(spec.layers, start=1)
    ]
    return {"description": spec.description, "time_zone": spec.time_zone, "layers": layers}


def policy_fields(spec: PolicySpec) -> Fields:
    levels = [level.model_dump(mode="json", exclude_none=True) for level in spec.levels or []]
    return {
        "description": spec.description,
        "levels": levels,
        "repeat": spec.repeat,
        "pagerduty_service": spec.pagerduty_service,
    }


def _stored(row: Any, fields: Iterable[str]) -> Fields:
    return {name: getattr(row, name) for name in fields}


def _coverage(rules: Iterable[tuple[str, list[str] | None, list[int] | None]]) -> list[Fields]:
    return [{"policy": p, "systems": s, "severity": v} for p, s, v in rules]


def _stored_coverage(session: Session) -> list[Fields]:
    rows = session.execute(
        select(Policy.name, CoverageRule.systems, CoverageRule.severities)
        .join(Policy, Policy.id == CoverageRule.policy_id)
        .order_by(CoverageRule.position)
    )
    return _coverage((name, systems, severities) for name, systems, severities in rows)


@dataclass
class OncallWrite:
    """What applying the section writes: upserts by name, then deletes, then coverage."""

    people: dict[str, Fields] = field(default_factory=dict)
    schedules: dict[str, Fields] = field(default_factory=dict)
    policies: dict[str, Fields] = field(default_factory=dict)
    deleted: dict[type[Any], list[str]] = field(default_factory=dict)
    coverage: list[Fields] | None = None


_KINDS: tuple[tuple[type[Any], PlanKind, str], ...] = (
    (Person, PlanKind.person, "people"),
    (Schedule, PlanKind.schedule, "schedules"),
    (Policy, PlanKind.escalation_policy, "policies"),
)


def anything_stored(session: Session) -> bool:
    """True once any person, schedule or policy is stored (an absent section leaves them)."""
    return any(session.scalar(select(model.id).limit(1)) is not None for model, _, _ in _KINDS)


def plan(
    session: Session, spec: OncallSpec, known_systems: set[str]
) -> tuple[list[PlanItem], list[Problem], OncallWrite]:
    """The steps applying ``spec`` takes, problems needing the database, and the writes."""
    wanted: dict[type[Any], dict[str, Fields]] = {
        Person: {p.name: person_fields(p) for p in spec.people},
        Schedule: {s.name: schedule_fields(s) for s in spec.schedules},
        Policy: {p.name: policy_fields(p) for p in spec.escalation_policies},
    }
    items: list[PlanItem] = []
    write = OncallWrite()
    for model, kind, attribute in _KINDS:
        stored = {row.name: row for row in session.scalars(select(model).order_by(model.name))}
        changed: dict[str, Fields] = getattr(write, attribute)
        for name, after in wanted[model].items():
            row = stored.get(name)
            before = _stored(row, after) if row is not None else None
            diff = {k: (before[k] if before else None, v) for k, v in after.items()}
            # A new thing shows what it sets; an existing one, what changes.
            diff = {
                k: ba
                for k, ba in diff.items()
                if (ba[1] not in (None, "") if before is None else ba[0] != ba[1])
            }
            action = PlanAction.create if before is None else PlanAction.update
            if before is not None and not diff:
                items.append(PlanItem(PlanAction.unchanged, kind, name))
                continue
            items.append(PlanItem(action, kind, name, diff))
            changed[name] = after
        gone = [name for name in stored if name not in wanted[model]]
        items += [PlanItem(PlanAction.delete, kind, name) for name in gone]
        write.deleted[model] = gone
    problems = _system_problems(spec, known_systems)
    after_rules = _coverage((r.policy, r.systems, r.severity) for r in spec.coverage)
    before_rules = _stored_coverage(session)
    if before_rules != after_rules:
        changes = {"rules": (before_rules, after_rules)}
        action = PlanAction.update
        if not before_rules or not after_rules:
            action = PlanAction.create if after_rules else PlanAction.delete
        items.append(PlanItem(action, PlanKind.coverage, "coverage", changes))
        write.coverage = after_rules
    else:
        items.append(PlanItem(PlanAction.unchanged, PlanKind.coverage, "coverage"))
    return items, problems, write


def _system_problems(spec: OncallSpec, known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for index, rule in enumerate(spec.coverage):
        for position, system in enumerate(rule.systems or []):
            if system not in known:
                at: Loc = ("coverage", index, "systems", position)
                message = (
                    f"{system!r} is neither declared under systems nor known to Blastwall: "
                    "fix the name, or declare the system"
                )
                problems.append((at, message))
    return problems


def apply(session: Session, write: OncallWrite, actor: Actor) -> None:
    """Carry out ``write`` (from :func:`plan`) in the caller's transaction; each change audited."""
    for model, _, attribute in _KINDS:
        for name, fields in getattr(write, attribute).items():
            _upsert(session, model, name, fields, actor)
    if write.coverage is not None:
        _replace_coverage(session, write.coverage, actor)
    for model, _, _ in reversed(_KINDS):
        for name in write.deleted.get(model, []):
            _delete(session, model, name, actor)


def _verb(model: type[Any]) -> str:
    return {Person: "person", Schedule: "schedule", Policy: "policy"}[model]


def _upsert(session: Session, model: type[Any], name: str, fields: Fields, actor: Actor) -> None:
    row = session.scalar(select(model).where(model.name == name))
    before = _stored(row, fields) if row is not None else None
    if row is None:
        row = model(name=name)
        session.add(row)
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.flush()
    verb = _verb(model)
    record(
        session,
        Change(
            action=f"oncall.{verb}.{'create' if before is None else 'update'}",
            target=f"{verb}/{name}",
            actor=actor,
            reason="blastwall.yaml applied",
            before=before,
            after=fields,
        ),
    )


def _delete(session: Session, model: type[Any], name: str, actor: Actor) -> None:
    row = session.scalar(select(model).where(model.name == name))
    if row is None:
        return
    # Deleted explicitly: a foreign key's ON DELETE is not something to rely on in SQLite.
    if model is Person:
        session.execute(delete(Override).where(Override.person_id == row.id))
    if model is Schedule:
        session.execute(delete(Override).where(Override.schedule_id == row.id))
    if model is Policy:
        session.execute(delete(CoverageRule).where(CoverageRule.policy_id == row.id))
    verb = _verb(model)
    record(
        session,
        Change(
            action=f"oncall.{verb}.delete",
            target=f"{verb}/{name}",
            actor=actor,
            reason="no longer in blastwall.yaml",
            before={"name": name},
        ),
    )
    session.delete(row)
    session.flush()


def _replace_coverage(session: Session, rules: list[Fields], actor: Actor) -> None:
    before = _stored_coverage(session)
    session.execute(delete(CoverageRule))
    ids = {row.name: row.id for row in session.execute(select(Policy.name, Policy.id))}
    for position, rule in enumerate(rules):
        session.add(
            CoverageRule(
                position=position,
                policy_id=ids[rule["policy"]],
                systems=rule["systems"],
                severities=rule["severity"],
            )
        )
    session.flush()
    record(
        session,
        Change(
            action="oncall.coverage.replace",
            target="coverage",
            actor=actor,
            reason="blastwall.yaml applied",
            before={"rules": before},
            after={"rules": rules},
        ),
    )
