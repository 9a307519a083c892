"""Checks across keys of the ``oncall`` section: unique names, references that resolve,
coverage rules that never tie. Each problem is (key path inside the section, message)."""

from __future__ import annotations

from collections.abc import Iterable

from blastwall.config_as_code.errors import format_path
from blastwall.oncall.spec import SEVERITIES, CoverageSpec, OncallSpec

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]


def _unique(names: Iterable[str], where: Loc, what: str) -> list[Problem]:
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for index, name in enumerate(names):
        if name in first:
            earlier = "oncall." + format_path((*where, first[name]))
            message = f"{what} {name!r} is declared twice (also {earlier}): rename or remove one"
            problems.append(((*where, index, "name"), message))
        else:
            first.setdefault(name, index)
    return problems


def _unknown(kind: str, name: str, known: set[str], section: str) -> str:
    listed = ", ".join(sorted(known)) or "none yet"
    return (
        f"{name!r} is not a {kind} declared under oncall.{section} ({listed}): fix the name "
        f"or declare the {kind}"
    )


def specificity(rule: CoverageSpec) -> tuple[bool, bool]:
    """(names systems, names severities): the more a rule names, the more specific it is."""
    return rule.systems is not None, rule.severity is not None


def _coverage_ties(rules: list[CoverageSpec]) -> list[Problem]:
    """Two equally specific rules matching one (system, severity) would be a coin toss."""
    problems: list[Problem] = []
    for later, rule in enumerate(rules):
        for earlier in range(later):
            other = rules[earlier]
            if specificity(rule) != specificity(other):
                continue
            systems = set(rule.systems or ["*"]) & set(other.systems or ["*"])
            severities = set(rule.severity or SEVERITIES) & set(other.severity or SEVERITIES)
            if systems and severities:
                both = ", ".join(sorted(systems))
                levels = ", ".join(map(str, sorted(severities)))
                problems.append(
                    (
                        ("coverage", later),
                        f"overlaps coverage[{earlier}] (both cover {both} at severity "
                        f"{levels}, equally specifically): split the systems or severities "
                        "so one rule covers each pair",
                    )
                )
                break
    return problems


def check(spec: OncallSpec) -> list[Problem]:
    """Every cross-key problem of the section, each at the key path to fix."""
    problems = _unique((p.name for p in spec.people), ("people",), "person")
    problems += _unique((s.name for s in spec.schedules), ("schedules",), "schedule")
    problems += _unique(
        (p.name for p in spec.escalation_policies), ("escalation_policies",), "policy"
    )
    people = {p.name for p in spec.people}
    schedules = {s.name for s in spec.schedules}
    policies = {p.name for p in spec.escalation_policies}
    for index, schedule in enumerate(spec.schedules):
        at: Loc = ("schedules", index, "layers")
        named = (layer.name or f"layer-{n + 1}" for n, layer in enumerate(schedule.layers))
        problems += _unique(named, at, "layer")
        for number, layer in enumerate(schedule.layers):
            for position, person in enumerate(layer.people):
                if person not in people:
                    problems.append(
                        (
                            (*at, number, "people", position),
                            _unknown("person", person, people, "people"),
                        )
                    )
    for index, policy in enumerate(spec.escalation_policies):
        for number, level in enumerate(policy.levels or []):
            for position, target in enumerate(level.targets):
                at = ("escalation_policies", index, "levels", number, "targets", position)
                if target.person is not None and target.person not in people:
                    message = _unknown("person", target.person, people, "people")
                    problems.append(((*at, "person"), message))
                if target.schedule is not None and target.schedule not in schedules:
                    message = _unknown("schedule", target.schedule, schedules, "schedules")
                    problems.append(((*at, "schedule"), message))
    for index, rule in enumerate(spec.coverage):
        if rule.policy not in policies:
            message = _unknown("policy", rule.policy, policies, "escalation_policies")
            problems.append((("coverage", index, "policy"), message))
    return problems + _coverage_ties(spec.coverage)
