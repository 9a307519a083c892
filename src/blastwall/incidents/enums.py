"""String enums of the incidents domain: lifecycle (I1) and timeline kinds.

The taxonomy (T1, T2) lives low in the house, in ``blastwall.taxonomy``, so monitors can
use it too; it is re-exported here for the incidents domain's own readers.
"""

from __future__ import annotations

from enum import StrEnum

from blastwall.taxonomy import FailureMode, Harm, IncidentClass, Reversibility

__all__ = [
    "FailureMode",
    "Harm",
    "IncidentClass",
    "IncidentRole",
    "Reversibility",
    "Status",
    "TimelineKind",
]


class Status(StrEnum):
    """Lifecycle stages (I1), in their usual order; acknowledgement is a milestone, not one."""

    detected = "detected"
    triaged = "triaged"
    contained = "contained"
    mitigated = "mitigated"
    resolved = "resolved"
    postmortem_done = "postmortem_done"


class TimelineKind(StrEnum):
    """Kinds of timeline entry this domain writes; other domains add lever, rollback, alarm."""

    opened = "opened"
    status = "status"
    acknowledged = "acknowledged"
    update = "update"
    note = "note"
    role = "role"
    page = "page"


class IncidentRole(StrEnum):
    """Roles on an incident (I2): one commander, one communications lead, many responders."""

    commander = "commander"
    communications = "communications"
    responder = "responder"

    @property
    def single(self) -> bool:
        """Whether the role has at most one holder (a hand-over replaces them)."""
        return self is not IncidentRole.responder

    @property
    def label(self) -> str:
        """How the timeline names it: ``commander``, ``communications lead``, ``a responder``."""
        return {"communications": "communications lead", "responder": "a responder"}.get(
            self.value, self.value
        )
