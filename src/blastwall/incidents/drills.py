"""Whether an incident opens during a game day (P3): incidents asks, drills answers.

``drills`` sits above ``incidents`` in the house (a drill reads incidents to time them),
so incidents declares this port and ``blastwall.wiring`` plugs the drills domain into it.
An incident opened for a system while a live drill runs on it is marked ``drill``, so
every list shows it as a drill and the response-time metrics leave it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from blastwall.changes.record import ensure_wired


@dataclass(frozen=True)
class DrillInForce:
    """A live drill running on a system: its id and when its fault was injected."""

    id: int
    started_at: datetime


RunningDrill = Callable[[Session, str], "DrillInForce | None"]
"""The live drill running on the named system, or None."""

_running: list[RunningDrill] = []


def connect(running: RunningDrill) -> None:
    """Let ``running`` answer :func:`running_drill` (wired once, in ``blastwall.wiring``)."""
    _running[:] = [running]


def running_drill(session: Session, system: str | None) -> DrillInForce | None:
    """The live drill on ``system`` when an incident opens for it, else None."""
    ensure_wired()
    if system is None or not _running:
        return None
    return _running[0](session, system)
