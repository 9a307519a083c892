"""The release gate (R4): a gated system's release may become active only after its canaries
passed against it.

``require_passed`` is called at the start of ``registry.releases.activate``.  Rollbacks do
not go through it on purpose: going back to a known-good release during an incident must
never wait for canaries.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.canaries import service
from blastwall.canaries.enums import RunStatus
from blastwall.canaries.models import CanaryRun, CanarySet
from blastwall.exceptions import Conflict
from blastwall.registry.models import Release, System


def newest_finished_run(session: Session, canary_set: CanarySet, release: str) -> CanaryRun | None:
    query = (
        select(CanaryRun)
        .where(
            CanaryRun.set_id == canary_set.id,
            CanaryRun.release == release,
            CanaryRun.status != RunStatus.running.value,
        )
        .order_by(CanaryRun.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def problems(session: Session, system: System, release: str) -> list[str]:
    """Why ``release`` has not passed the system's canaries (empty: it has)."""
    sets = service.newest_sets(session, system)
    if not sets:
        return [
            "the system has release_gate on but no canary sets; add one under 'canaries:' "
            "in blastwall.yaml (`blastwall apply -f blastwall.yaml`) or turn the gate off"
        ]
    found = []
    for canary_set in sets:
        which = f"{canary_set.name} v{canary_set.version}"
        run = newest_finished_run(session, canary_set, release)
        if run is None:
            found.append(f"{which} has not been run against {release}")
        elif run.failed:
            failed = [r["case"] for r in run.results if not r["passed"]]
            found.append(f"{which} failed {', '.join(failed)} (run {run.id})")
    return found


def require_passed(session: Session, system_name: str, release_name: str) -> None:
    """Raise Conflict naming the failed cases and how to run them, if the gate is closed."""
    system = session.scalar(select(System).where(System.name == system_name))
    if system is None:
        return  # activate says the system does not exist
    target = service.find_target(session, system)
    if target is None or not target.release_gate:
        return
    exists = session.scalar(
        select(Release.id).where(Release.system_id == system.id, Release.name == release_name)
    )
    if exists is None:
        return  # activate says the release does not exist
    found = problems(session, system, release_name)
    if found:
        raise Conflict(
            f"release {release_name} of {system.name} cannot be activated: the release gate "
            f"requires its canaries to pass ({'; '.join(found)}). Run them with `blastwall "
            f"canary run {system.name} --release {release_name}`, fix what fails, and "
            "activate again"
        )
