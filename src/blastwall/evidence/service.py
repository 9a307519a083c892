"""What an incident holds (its window, the traces in it), and the audited bundle export."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall import changes
from blastwall.access.schemas import Actor
from blastwall.changes import Change
from blastwall.db.base import utcnow
from blastwall.evidence import bundle, windows
from blastwall.evidence.schemas import EvidenceRead
from blastwall.incidents import service as incidents
from blastwall.traces.models import Trace


def summary(
    session: Session,
    incident_id: int,
    *,
    margin: timedelta,
    keep_days: int,
    now: datetime | None = None,
) -> EvidenceRead:
    """The incident's hold, its held window and how many traces lie in it."""
    now = now or utcnow()
    incident = incidents.get(session, incident_id)
    held = windows.held_window(incident, now, margin)
    holding = {h.incident_id for h in windows.holding(session, now, margin, keep_days)}
    count = session.scalar(
        select(func.count())
        .select_from(Trace)
        .where(Trace.system.in_(held.systems), Trace.at >= held.start, Trace.at <= held.end)
    )
    return EvidenceRead(
        incident_id=incident.id,
        evidence_hold=incident.evidence_hold,
        hold_requires_reason=incident.hold_requires_reason,
        held=incident.id in holding,
        systems=list(held.systems),
        start=held.start,
        end=held.end,
        traces=count or 0,
    )


def export(session: Session, incident_id: int, directory: Path, actor: Actor) -> dict[str, Any]:
    """Write the bundle (``bundle.write``) and audit the export; returns the manifest."""
    manifest = bundle.write(session, incident_id, directory, exported_by=actor.name)
    counts = {name: entry["lines"] for name, entry in manifest["files"].items()}
    incident = incidents.get(session, incident_id)
    changes.record(
        session,
        Change(
            action="evidence.exported",
            target=f"incident/{incident_id}",
            actor=actor,
            incident_id=incident_id,
            system=incident.system.name if incident.system is not None else None,
            after={"files": counts, "window": manifest["window"]},
            timeline=f"evidence bundle exported by {actor.name} ({counts['traces.jsonl']} traces)",
        ),
    )
    return manifest
