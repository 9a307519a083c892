"""What one observation is, and the detector the server runs for each kind.

One place for both: replay (``detect/replay.py``), the live monitors
(``detect/monitors/runtime.py``) and the benchmarks must pick the same detector for the
same stream, or a replay would not predict what the server does.
"""

from __future__ import annotations

from enum import StrEnum

from blastwall.detect.detectors._base import (
    DEFAULT_FALSE_ALARM_RATE,
    DEFAULT_REFERENCE,
    ReferenceDetector,
)
from blastwall.detect.detectors.category_shift import CategoryShift
from blastwall.detect.detectors.level_spread_shift import LevelSpreadShift
from blastwall.detect.detectors.rate_shift import RateShift


class Kind(StrEnum):
    """What one observation is."""

    categorical = "categorical"
    binary = "binary"
    continuous = "continuous"


def make_detector(
    kind: Kind,
    *,
    reference: int = DEFAULT_REFERENCE,
    false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE,
    categories: int = 2,
) -> ReferenceDetector:
    """The detector the server uses for a stream of this kind (at least two categories)."""
    if kind is Kind.categorical:
        return CategoryShift(max(categories, 2), reference, false_alarm_rate)
    if kind is Kind.binary:
        return RateShift(reference, false_alarm_rate)
    return LevelSpreadShift(reference, false_alarm_rate)
