"""Faults injected through the registry: a release whose configuration raises temperature.

The bad release is the fault itself (issue 10 §1's bad-release path): it is made from the
release in force with its ``config`` surface's ``temperature`` raised, and activated by the
drill's own actor. Every SDK following the system runs it within a second; a monitor must
see it against the known-good baseline, and a policy or a responder must roll it back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.drills.models import DrillRun
from blastwall.drills.scenarios import RAISED_TEMPERATURE
from blastwall.exceptions import Conflict, NotFound
from blastwall.registry import releases
from blastwall.registry.rollback import rollback


def release_fault(session: Session, run: DrillRun, actor: Actor, title: str) -> dict[str, Any]:
    """Create and activate the bad release; what it replaced is kept to undo it."""
    try:
        deployment = releases.get_active(session, run.system, run.environment)
    except NotFound:
        raise Conflict(
            f"nothing is active in {run.system}/{run.environment}, so there is no release to "
            "raise the temperature of; activate one first (`blastwall release activate`)"
        ) from None
    current = deployment.release
    config = next((item for item in current.items if item.surface.kind == "config"), None)
    if config is None:
        raise Conflict(
            f"{run.system}'s release {current.name} has no config surface to raise the "
            "temperature in; declare one (kind: config) to run this scenario"
        )
    content = {**config.version.content, "temperature": RAISED_TEMPERATURE}
    name = f"drill-{run.id}-hot"
    releases.create_release(
        session,
        run.system,
        name=name,
        surfaces={config.surface.name: content},
        actor=actor,
        notes=f"drill {run.id}: {title}",
    )
    releases.activate(
        session,
        run.system,
        name,
        environment=run.environment,
        actor=actor,
        reason=f"drill {run.id}: {title}",
    )
    return {
        "release": name,
        "surface": config.surface.name,
        "temperature": RAISED_TEMPERATURE,
        "replaced": current.name,
    }


def remove_release_fault(session: Session, run: DrillRun, actor: Actor) -> str:
    """Put back the release the fault replaced if the bad one is still in force."""
    bad = run.fault.get("release")
    try:
        active = releases.get_active(session, run.system, run.environment).release.name
    except NotFound:
        return ""
    if bad is None or active != bad:
        return ""
    rollback(
        session,
        run.system,
        environment=run.environment,
        reason=f"drill {run.id} ended: fault removed",
        actor=actor,
        to=str(run.fault["replaced"]),
    )
    return f"rolled back {bad} to {run.fault['replaced']}"
