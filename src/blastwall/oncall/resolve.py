"""Who is on call: the policy covering a system and severity, and the people of each level.

Coverage rule, most specific wins: a rule naming the system beats one for every system;
then a rule naming the severity beats one for every severity. The file refuses two equally
specific rules for one (system, severity), so the answer is never a coin toss.

These are the calls paging makes: :func:`covering_policy`, then :func:`on_call` per target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.exceptions import InvalidInput
from blastwall.oncall import rotation
from blastwall.oncall import service as oncall
from blastwall.oncall.models import CoverageRule, Override, Person, Policy, Schedule
from blastwall.oncall.spec import WEEKDAYS, LayerSpec, parse_clock, rotation_parts, zone
from blastwall.registry import service as registry

DEFAULT_SEVERITY = 1


@dataclass(frozen=True)
class Target:
    """What a level pages: ``kind`` is person or schedule."""

    kind: str
    name: str

    @classmethod
    def of(cls, stored: dict[str, Any]) -> Target:
        if stored.get("person"):
            return cls("person", str(stored["person"]))
        return cls("schedule", str(stored["schedule"]))


@dataclass(frozen=True)
class TargetNow:
    """A target, who it puts on call at the instant asked, and the next hand-off."""

    kind: str
    name: str
    on_call: Person | None
    next_at: datetime | None = None
    next_person: Person | None = None


@dataclass(frozen=True)
class LevelNow:
    level: int
    delay_minutes: int | float
    targets: list[TargetNow]

    @property
    def people(self) -> list[Person]:
        """Everyone this level pages, once each, in target order."""
        seen: dict[str, Person] = {}
        for target in self.targets:
            if target.on_call is not None:
                seen.setdefault(target.on_call.name, target.on_call)
        return list(seen.values())


@dataclass(frozen=True)
class OnCallNow:
    system: str
    severity: int
    at: datetime
    policy: Policy | None
    levels: list[LevelNow]


def covering_policy(session: Session, system: str, severity: int) -> Policy | None:
    """The escalation policy covering ``system`` at ``severity``, or None if none does."""
    best: tuple[tuple[bool, bool], CoverageRule] | None = None
    rules = session.scalars(select(CoverageRule).order_by(CoverageRule.position))
    for rule in rules:
        if rule.systems is not None and system not in rule.systems:
            continue
        if rule.severities is not None and severity not in rule.severities:
            continue
        rank = (rule.systems is not None, rule.severities is not None)
        if best is None or rank > best[0]:
            best = (rank, rule)
    return session.get(Policy, best[1].policy_id) if best is not None else None


def schedule_math(session: Session, schedule: Schedule, at: datetime) -> rotation.Schedule:
    """The schedule's layers and the overrides that matter from ``at`` on."""
    layers = []
    for stored in schedule.layers:
        spec = LayerSpec.model_validate(stored)
        days, hours = rotation_parts(spec.rotation)
        restriction = None
        if spec.restrict is not None:
            first, _, last = spec.restrict.hours.partition("-")
            weekdays = frozenset(WEEKDAYS.index(d) for d in spec.restrict.days)
            restriction = rotation.Restriction(weekdays, parse_clock(first), parse_clock(last))
        layers.append(
            rotation.Layer(
                people=tuple(spec.people),
                start=datetime.fromisoformat(spec.start).date(),
                handoff=parse_clock(spec.handoff),
                zone=zone(spec.time_zone or schedule.time_zone),
                days=days,
                hours=hours,
                restriction=restriction,
            )
        )
    rows = list(
        session.scalars(
            select(Override)
            .where(Override.schedule_id == schedule.id, Override.ends_at > at)
            .order_by(Override.id)
        )
    )
    names = oncall.person_names(session, {row.person_id for row in rows})
    overrides = [rotation.Override(names[r.person_id], r.starts_at, r.ends_at) for r in rows]
    return rotation.Schedule(layers, overrides)


def _target_now(session: Session, target: Target, at: datetime) -> TargetNow:
    if target.kind == "person":
        return TargetNow(target.kind, target.name, oncall.get_person(session, target.name))
    math = schedule_math(session, oncall.get_schedule(session, target.name), at)
    current = math.who(at)
    handoff = math.next_handoff(at)
    return TargetNow(
        target.kind,
        target.name,
        oncall.get_person(session, current) if current else None,
        handoff.at if handoff else None,
        oncall.get_person(session, handoff.person) if handoff and handoff.person else None,
    )


def on_call(session: Session, target: Target, at: datetime) -> list[Person]:
    """The people ``target`` pages at ``at``: the person, or whoever the schedule has on."""
    found = _target_now(session, target, at).on_call
    return [found] if found is not None else []


def now(session: Session, system: str, severity: int, at: datetime) -> OnCallNow:
    """Who each level of the covering policy pages at ``at``, and each schedule's next
    hand-off. Raises NotFound for a system the registry does not know."""
    problem = rotation.out_of_range(at)
    if problem:
        raise InvalidInput(f"at: {problem}")
    registry.get_by_name(session, system)
    policy = covering_policy(session, system, severity)
    levels = []
    for number, level in enumerate(policy.levels if policy else [], start=1):
        targets = [_target_now(session, Target.of(t), at) for t in level["targets"]]
        levels.append(LevelNow(number, level["delay_minutes"], targets))
    return OnCallNow(system, severity, at, policy, levels)
