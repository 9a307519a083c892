"""The evidence bundle (F4): an incident's record as JSON Lines files plus a manifest.

``write`` puts into a directory: ``traces.jsonl`` (every trace of the incident's systems
in its window, canary calls included and marked), ``timeline.jsonl``, ``audit.jsonl``
(the incident's audit entries and those naming its systems in the window),
``releases.jsonl`` (the deployments active at the start or made in the window, each with
its release's surfaces), ``communications.jsonl`` (the communications ledger) and
``manifest.json`` with each file's SHA-256, byte size and line count, the window and the
export time (``manifest.py`` re-hashes a directory against it). Rows are written as
they are read (``yield_per``), so a large window never sits in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from blastwall.blastradius.service import systems_of, window
from blastwall.changes.models import AuditEntry
from blastwall.comms import ledger
from blastwall.db.base import utcnow
from blastwall.evidence.manifest import FORMAT, MANIFEST
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.registry.models import Deployment, Release, System
from blastwall.traces.models import Trace

ROWS_PER_FETCH = 2000


def write(
    session: Session, incident_id: int, directory: Path, *, exported_by: str
) -> dict[str, Any]:
    """Write the bundle into ``directory`` (created; must be empty); returns the manifest."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(
            f"incident {incident_id} not found; list incidents with `blastwall incident list`"
        )
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise InvalidInput(f"{directory} is not empty; export into a new or empty directory")
    start, end = window(incident)
    systems = systems_of(incident)
    files = {
        "traces.jsonl": _traces(session, systems, start, end),
        "timeline.jsonl": _rows(
            session.scalars(
                select(TimelineEntry)
                .where(TimelineEntry.incident_id == incident.id)
                .order_by(TimelineEntry.id)
            )
        ),
        "audit.jsonl": _audit(session, incident.id, systems, start, end),
        "releases.jsonl": _releases(session, systems, start, end),
        "communications.jsonl": _rows(ledger.for_incident(session, incident.id)),
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "incident_id": incident.id,
        "systems": systems,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "exported_at": utcnow().isoformat(),
        "exported_by": exported_by,
        "files": {name: _write_lines(directory / name, lines) for name, lines in files.items()},
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _traces(
    session: Session, systems: list[str], start: datetime, end: datetime
) -> Iterable[dict[str, Any]]:
    query = (
        select(Trace)
        .where(Trace.system.in_(systems), Trace.at >= start, Trace.at <= end)
        .order_by(Trace.at, Trace.id)
        .execution_options(yield_per=ROWS_PER_FETCH)
    )
    return _rows(session.scalars(query))


def _audit(
    session: Session, incident_id: int, systems: list[str], start: datetime, end: datetime
) -> Iterable[dict[str, Any]]:
    names = [AuditEntry.target == s for s in systems]
    names += [AuditEntry.target.startswith(f"{s}/", autoescape=True) for s in systems]
    in_window = AuditEntry.at.between(start, end)
    query = (
        select(AuditEntry)
        .where(or_(AuditEntry.incident_id == incident_id, in_window & or_(*names)))
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=ROWS_PER_FETCH)
    )
    return _rows(session.scalars(query))


def _releases(
    session: Session, systems: list[str], start: datetime, end: datetime
) -> Iterable[dict[str, Any]]:
    """Per environment: the deployment active at ``start`` and every one up to ``end``."""
    deployments = session.scalars(
        select(Deployment)
        .join(System, Deployment.system_id == System.id)
        .where(System.name.in_(systems), Deployment.activated_at <= end)
        .order_by(Deployment.system_id, Deployment.environment, Deployment.activated_at)
    ).all()
    active_at_start: dict[tuple[int, str], Deployment] = {}
    for deployment in deployments:
        if deployment.activated_at <= start:
            active_at_start[(deployment.system_id, deployment.environment)] = deployment
    for deployment in deployments:
        key = (deployment.system_id, deployment.environment)
        if deployment.activated_at > start or active_at_start.get(key) is deployment:
            yield _deployment(deployment)


def _deployment(deployment: Deployment) -> dict[str, Any]:
    release: Release = deployment.release
    return {
        **_plain(deployment),
        "system": release.system.name,
        "release": {
            **_plain(release),
            "surfaces": {
                item.surface.name: {
                    "version": item.version.number,
                    "content_hash": item.version.content_hash,
                }
                for item in release.items
            },
        },
    }


def _rows(objects: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for row in objects:
        yield _plain(row)


def _plain(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def _write_lines(path: Path, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    sha = hashlib.sha256()
    count = size = 0
    with path.open("wb") as sink:
        for row in rows:
            line = (json.dumps(row, default=_json_default, sort_keys=True) + "\n").encode()
            sink.write(line)
            sha.update(line)
            count += 1
            size += len(line)
    return {"sha256": sha.hexdigest(), "bytes": size, "lines": count}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
