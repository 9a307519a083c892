"""String enums of the incidents domain: taxonomy (T1), severity inputs (T2), lifecycle (I1)."""

from __future__ import annotations

from enum import StrEnum


class IncidentClass(StrEnum):
    """What kind of harm the incident is (T1); several may apply to one incident."""

    integrity = "integrity"
    security = "security"
    privacy = "privacy"
    compliance = "compliance"
    reputation = "reputation"


class FailureMode(StrEnum):
    """How the failure arrived (T1)."""

    sudden = "sudden"
    drift = "drift"
    adversarial = "adversarial"


class Harm(StrEnum):
    """How wrong the output is, least to most harmful; the order is what the matrix checks."""

    none = "none"
    minor = "minor"
    moderate = "moderate"
    major = "major"
    severe = "severe"

    @property
    def rank(self) -> int:
        return list(Harm).index(self)


class Reversibility(StrEnum):
    """Whether the downstream actions the output triggers can be undone."""

    reversible = "reversible"
    irreversible = "irreversible"


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
