"""Filters carried by the filters lever itself: terms and patterns to block, no app code.

The server checks each pattern (a safe subset, see ``blastwall.levers.filter_rules``);
the SDK still compiles defensively, so a pattern this Python cannot compile is skipped
with a warning instead of breaking every call.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from blastwall.sdk.enums import FilterAction, Stage
from blastwall.sdk.filters.base import Filter
from blastwall.sdk.filters.custom import Blocklist, RegexFilter

log = logging.getLogger("blastwall")

TERMS_NAME = "lever:terms"
PATTERNS_NAME = "lever:patterns"
_STAGES = {
    "input": (Stage.input,),
    "output": (Stage.output,),
    "both": (Stage.input, Stage.output),
}


@dataclass(frozen=True, slots=True)
class LeverBlock:
    """Terms and patterns one lever state blocks, and where (input, output or both)."""

    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    stage: str = "both"

    def filters(self) -> tuple[Filter, ...]:
        """Blocking filters for these terms and patterns, limited to the lever's stages.

        >>> block = LeverBlock(terms=("chargeback trick",), stage="output")
        >>> [(f.name, f.stages) for f in block.filters()]
        [('lever:terms', (<Stage.output: 'output'>,))]
        """
        stages = _STAGES.get(self.stage, _STAGES["both"])
        built: list[Filter] = []
        if any(t.strip() for t in self.terms):
            built.append(Blocklist(self.terms, name=TERMS_NAME))
        usable = {f"pattern {i}": p for i, p in enumerate(self.patterns) if _compiles(p)}
        if usable:
            built.append(RegexFilter(PATTERNS_NAME, usable, action=FilterAction.block))
        for flt in built:
            flt.stages = stages
        return tuple(built)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        log.warning("blastwall: the filters lever's pattern %r does not compile; skipped", pattern)
        return False
    return True
