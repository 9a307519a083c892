"""The incident page's sections: one data function and one partial template each.

Adding a section is one function here (``(session, incident) -> data``) and one partial
in ``templates/sections/``; the incident page renders every section in ``SECTIONS`` in
order, each under its own heading, and a live update re-renders them all.

A ``Section`` with ``data=None`` is an extension point: the page lists it as "not
available in this version" rather than hiding that it exists; wiring it in is setting
its ``data`` to the domain's read function and writing its partial.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from blastwall.console.sections import aftermath, comms, core, regulatory
from blastwall.incidents.models import Incident

Data = Callable[[Session, Incident], Any]


@dataclass(frozen=True)
class Section:
    """One section of the incident page: its anchor, heading, partial and data function."""

    key: str
    title: str
    data: Data | None  # None: an extension point not wired in this version

    @property
    def template(self) -> str:
        return f"sections/{self.key}.html"


SECTIONS: list[Section] = [
    Section("signals", "Alarms and alerts, with evidence", core.signals),
    Section("levers", "Levers pulled, rollbacks and verification", core.levers),
    Section("blast", "Blast radius", core.blast_radius),
    Section("roles", "Roles", core.roles),
    Section("timeline", "Timeline", core.timeline),
    Section("ledger", "Communications ledger", core.ledger),
    Section("clocks", "Regulator clocks", regulatory.clocks),
    Section("updates", "Status updates", comms.updates),
    Section("notices", "Notices to affected users", comms.notices_section),
    Section("reports", "Regulator reports", regulatory.reports),
    Section("postmortem", "Postmortem", aftermath.postmortem),
    Section("actions", "Action items", aftermath.actions),
]


@dataclass(frozen=True)
class Rendered:
    section: Section
    data: Any


def gather(session: Session, incident: Incident) -> tuple[list[Rendered], list[Section]]:
    """(sections with their data, sections not wired yet) for one incident."""
    ready = [Rendered(s, s.data(session, incident)) for s in SECTIONS if s.data is not None]
    return ready, [s for s in SECTIONS if s.data is None]
