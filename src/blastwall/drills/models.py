"""Table of drills: every game day run, kept as history with what it measured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, JSONType, utcnow


class DrillRun(Base):
    """One drill: the scenario, when its fault was injected and removed, what it measured.

    ``fault`` is what the demo applies (or, for a release scenario, the bad release);
    ``measurements`` are frozen when the run ends; ``steps`` are a tabletop's timed steps.
    """

    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario: Mapped[str] = mapped_column(String(50))
    mode: Mapped[str] = mapped_column(String(20))
    system: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    fault: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ack_as: Mapped[str | None] = mapped_column(String(100), default=None)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    measurements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    started_by: Mapped[str] = mapped_column(String(100))
