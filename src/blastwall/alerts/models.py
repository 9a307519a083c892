"""The alert rules: label matchers -> system, harm and classes, in file order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class AlertRuleRow(Base):
    """One rule of ``alert_rules:``; the first rule (lowest position) that matches wins."""

    __tablename__ = "alert_rules"

    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The rule as written (alerts.rules.AlertRule), so what is stored is what was planned.
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
