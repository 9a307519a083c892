"""The release diff around an incident's start: which surfaces changed, and how.

The suspect is the last activation in the system's production environment at or before
detection that was not itself made for the incident (a rollback for it carries its id):
the estimated start is an estimate, so a release activated between it and detection is
still a suspect. It is compared with the release active just before it, surface by
surface (versions and content hashes), with a unified diff of every text field.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.incidents.models import Incident
from blastwall.postmortems.text import at, between, duration
from blastwall.registry.models import Deployment, Release, SurfaceVersion, System


def environment_of(system: System) -> str | None:
    """The environment a postmortem looks at: prod if the system has it, else its last."""
    if "prod" in system.environments:
        return "prod"
    return system.environments[-1] if system.environments else None


def _deployments(session: Session, system: System, environment: str) -> list[Deployment]:
    query = (
        select(Deployment)
        .where(Deployment.system_id == system.id, Deployment.environment == environment)
        .order_by(Deployment.id)
    )
    return list(session.scalars(query))


def suspects(
    session: Session, incident: Incident
) -> tuple[str, Deployment | None, Deployment | None]:
    """(environment, deployment before, suspect deployment) for the incident; see module."""
    system = incident.system
    environment = environment_of(system) if system is not None else None
    if system is None or environment is None:
        return environment or "", None, None
    rows = _deployments(session, system, environment)
    candidates = [
        i
        for i, d in enumerate(rows)
        if d.activated_at <= incident.detected_at and d.incident_id != incident.id
    ]
    if not candidates:
        return environment, None, None
    index = candidates[-1]
    return environment, (rows[index - 1] if index > 0 else None), rows[index]


def _versions(release: Release) -> dict[str, SurfaceVersion]:
    return {item.surface.name: item.version for item in release.items}


def _kinds(release: Release) -> dict[str, str]:
    return {item.surface.name: item.surface.kind for item in release.items}


def _id(version: SurfaceVersion | None) -> int | None:
    return None if version is None else version.id


def _cell(version: SurfaceVersion | None) -> str:
    return "-" if version is None else f"v{version.number} ({version.content_hash[:12]})"


def _text_diff(surface: str, old: SurfaceVersion | None, new: SurfaceVersion | None) -> list[str]:
    """Unified diff lines of each text field; other changed fields as ``key: old -> new``."""
    before: dict[str, Any] = old.content if old is not None else {}
    after: dict[str, Any] = new.content if new is not None else {}
    lines: list[str] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if isinstance(a, str | None) and isinstance(b, str | None):
            lines += difflib.unified_diff(
                (a or "").splitlines(),
                (b or "").splitlines(),
                fromfile=f"{surface} {_cell(old).split(' ')[0]} {key}",
                tofile=f"{surface} {_cell(new).split(' ')[0]} {key}",
                lineterm="",
            )
        else:
            lines.append(f"{surface} {key}: {json.dumps(a)} -> {json.dumps(b)}")
    return lines


def describe(session: Session, incident: Incident) -> str:
    """The section's Markdown: releases compared, a table of surfaces, the diffs."""
    if incident.system is None:
        return "No system is named on the incident, so there is no release history to compare."
    environment, before, suspect = suspects(session, incident)
    name = incident.system.name
    if suspect is None:
        return (
            f"No release of {name} was activated in {environment or 'any environment'} "
            "before detection."
        )
    offset = between(incident.started_at, suspect.activated_at)
    when = "before" if offset is not None and offset <= 0 else "after"
    lines = [
        f"Environment: {environment}.",
        f"- Release in force at the start: **{suspect.release.name}**, activated "
        f"{at(suspect.activated_at)} by {suspect.activated_by} "
        f"({duration(abs(offset or 0))} {when} the estimated start).",
    ]
    if before is None:
        lines.append(f"- No earlier release of {name} in {environment}: nothing to compare.")
        return "\n".join(lines)
    lines.append(
        f"- Release before it: **{before.release.name}**, activated {at(before.activated_at)} "
        f"by {before.activated_by}."
    )
    old, new = _versions(before.release), _versions(suspect.release)
    kinds = {**_kinds(before.release), **_kinds(suspect.release)}
    changed = [s for s in sorted(kinds) if _id(old.get(s)) != _id(new.get(s))]
    lines += ["", "| Surface | Kind | Before | After | Changed |", "|---|---|---|---|---|"]
    for surface in sorted(kinds):
        mark = "yes" if surface in changed else "no"
        lines.append(
            f"| {surface} | {kinds[surface]} | {_cell(old.get(surface))} | "
            f"{_cell(new.get(surface))} | {mark} |"
        )
    if not changed:
        lines += ["", "No surface changed between the two releases."]
        return "\n".join(lines)
    for surface in changed:
        diff = _text_diff(surface, old.get(surface), new.get(surface))
        lines += ["", f"Changes in {surface}:", "", "```diff", *diff, "```"]
    return "\n".join(lines)
