"""The shared words for harm (T1, T2): what kind, how it arrived, how bad, whether undoable.

Incidents are classified with them and monitors declare the harm their alarms imply, so
they live low in the house where ``detect`` and ``incidents`` can both use them without
``detect`` importing ``incidents``. ``incidents.enums`` re-exports them.
"""

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
