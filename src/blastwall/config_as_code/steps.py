"""One step of a plan: what applying the document does to one thing, and what changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from blastwall.config_as_code.enums import PlanAction, PlanKind

Changes = Mapping[str, tuple[Any, Any]]


@dataclass(frozen=True)
class PlanItem:
    """One step: ``changes`` maps each field that changes to (before, after)."""

    action: PlanAction
    kind: PlanKind
    name: str
    changes: Changes = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "kind": self.kind.value,
            "name": self.name,
            "changes": {key: [before, after] for key, (before, after) in self.changes.items()},
        }
