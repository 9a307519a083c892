"""The triage tree of a system, stored as the JSON of its ``blastwall.yaml`` questions.

The tree is read and replaced whole, never queried inside. Answers are not stored here:
each is a change on the incident's timeline (kind ``triage``), the one record of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, JSONType, utcnow


class TriageTree(Base):
    """One system's triage questions; the first question is where triage starts."""

    __tablename__ = "triage_trees"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("systems.id", ondelete="CASCADE"), unique=True
    )
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
