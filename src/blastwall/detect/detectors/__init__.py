"""Sequential change detectors, one per file, shaped like River's (see STYLE.md)."""

from blastwall.detect.detectors.category_shift import CategoryShift
from blastwall.detect.detectors.kind import Kind, make_detector
from blastwall.detect.detectors.level_spread_shift import LevelSpreadShift
from blastwall.detect.detectors.rate_shift import RateShift

__all__ = ["CategoryShift", "Kind", "LevelSpreadShift", "RateShift", "make_detector"]
