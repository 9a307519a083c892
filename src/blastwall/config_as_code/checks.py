"""Checks across keys that a per-field schema cannot make: unique names, a valid matrix."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from blastwall.config_as_code.errors import Loc, format_path
from blastwall.config_as_code.schema import Document, SystemSpec
from blastwall.exceptions import InvalidInput
from blastwall.incidents import matrix
from blastwall.oncall import checks as oncall
from blastwall.registry.enums import StalePolicy
from blastwall.triage import checks as triage

Problem = tuple[Loc, str]


def _unique(names: Iterable[str], where: Loc, what: str, field: str | None) -> list[Problem]:
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for index, name in enumerate(names):
        loc: Loc = (*where, index, field) if field else (*where, index)
        if name in first:
            earlier = format_path((*where, first[name]))
            message = f"{what} {name!r} is declared twice (also {earlier}): rename or remove one"
            problems.append((loc, message))
        else:
            first[name] = index
    return problems


def _not_json(value: Any, loc: Loc) -> list[Problem]:
    """Values YAML can produce that JSON cannot hold (an unquoted date is the usual one)."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _not_json(item, (*loc, str(key)))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _not_json(item, (*loc, index))]
    if isinstance(value, datetime | date):
        return [(loc, f"{value.isoformat()} is read as a date: put it in quotes to keep it text")]
    if isinstance(value, float) and not math.isfinite(value):
        return [(loc, f"{value} is not a finite number: use a number, or quote it as text")]
    if value is None or isinstance(value, str | int | float | bool):
        return []
    return [(loc, f"a {type(value).__name__} cannot be stored: use text, numbers, lists, maps")]


def _system_problems(system: SystemSpec, at: Loc) -> list[Problem]:
    problems = _unique(system.environments, (*at, "environments"), "environment", None)
    problems += _unique((a.name for a in system.actions), (*at, "actions"), "action", "name")
    problems += _unique((s.name for s in system.surfaces), (*at, "surfaces"), "surface", "name")
    if system.stale_policy is StalePolicy.safe_mode and system.stale_after_s is None:
        problems.append(
            (
                (*at, "stale_policy"),
                "safe_mode needs stale_after_s: add e.g. 'stale_after_s: 60' (seconds without "
                "fresh lever state before instances fall to safe mode)",
            )
        )
    for index, surface in enumerate(system.surfaces):
        problems += _not_json(surface.content, (*at, "surfaces", index, "content"))
    problems += _canary_problems(system, at)
    if problems:
        return problems
    # The registry owns the rules of a system; anything it refuses is reported here too.
    try:
        system.to_registry()
    except ValidationError as exc:
        problems += [
            ((*at, *err["loc"]), err["msg"].removeprefix("Value error, ")) for err in exc.errors()
        ]
    return problems


def _canary_problems(system: SystemSpec, at: Loc) -> list[Problem]:
    problems = _unique(
        (s.name for s in system.canaries or []), (*at, "canaries"), "canary set", "name"
    )
    target = system.canary_target
    if target is not None and target.environment not in (None, *system.environments):
        # The canaries service refuses this too, but only at apply; a dry run should say so.
        problems.append(
            (
                (*at, "canary_target", "environment"),
                f"{target.environment!r} is not one of this system's environments "
                f"({', '.join(system.environments)}): use one of them, or leave it out",
            )
        )
    return problems


def _matrix_problems(document: Document) -> list[Problem]:
    if document.severity_matrix is None:
        return []
    try:
        matrix.validate(document.severity_matrix)
    except InvalidInput as exc:
        return [
            (("severity_matrix", *error["field"].split(".")), error["message"])
            for error in exc.extra.get("errors", [])
        ] or [(("severity_matrix",), exc.detail)]
    return []


def check(document: Document) -> list[Problem]:
    """Every cross-key problem in ``document``, each at the key path to fix."""
    problems = _unique((s.name for s in document.systems), ("systems",), "system", "name")
    for index, system in enumerate(document.systems):
        problems += _system_problems(system, ("systems", index))
    if document.oncall is not None:
        problems += [(("oncall", *loc), text) for loc, text in oncall.check(document.oncall)]
    if document.triage is not None:
        problems += [(("triage", *loc), text) for loc, text in triage.check(document.triage)]
    return problems + _matrix_problems(document)
