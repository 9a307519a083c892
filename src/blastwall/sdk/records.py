"""What a call records besides text: retrieved documents and gated tool calls and actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from blastwall.sdk.enums import GateStatus

Kind = Literal["tool", "action"]


@dataclass(frozen=True, slots=True)
class Document:
    """A retrieved document as the trace keeps it: its id, where it came from, and its score."""

    id: str
    source: str
    score: float | None = None

    @classmethod
    def of(cls, doc: object) -> Document:
        """Read ``id``/``source``/``score`` from a mapping, an object or a tuple."""
        if isinstance(doc, Document):
            return doc
        if isinstance(doc, Mapping):
            return cls(str(doc.get("id")), str(doc.get("source")), _score(doc.get("score")))
        if isinstance(doc, tuple | list):
            score = doc[2] if len(doc) > 2 else None
            return cls(str(doc[0]), str(doc[1] if len(doc) > 1 else None), _score(score))
        return cls(
            str(getattr(doc, "id", None)),
            str(getattr(doc, "source", None)),
            _score(getattr(doc, "score", None)),
        )


def _score(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


@dataclass(slots=True)
class GateRecord:
    """One tool call or downstream action passing the gate; steps decide ``status``."""

    kind: Kind
    name: str
    arguments: dict[str, Any]
    reversible: bool = True
    status: GateStatus | None = None  # None while the gate steps are still deciding
    gate: Literal["validator", "approval"] | None = None
    reason: str | None = None
    result: Any = None

    def refuse(self, reason: str) -> None:
        self.status = GateStatus.refused
        self.reason = reason

    def deny(self, reason: str, *, gate: Literal["validator", "approval"]) -> None:
        self.status = GateStatus.denied
        self.gate = gate
        self.reason = reason

    @property
    def decided(self) -> bool:
        return self.status is not None
