"""Auto-containment policies as applied from ``blastwall.yaml``, and their activations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, utcnow


class PolicyRow(Base):
    """One policy of ``policies:``, stored as written (policies.spec.PolicySpec.body)."""

    __tablename__ = "policies"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    system: Mapped[str] = mapped_column(String(100), index=True)
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class PolicyActivation(Base):
    """A policy that fired (observed, enforced, refused or failed): what cooldown and cap count.

    A capped or cooling-down match is recorded as a change, not as an activation.
    """

    __tablename__ = "policy_activations"
    __table_args__ = (Index("ix_policy_activations_policy_at", "policy", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy: Mapped[str] = mapped_column(
        String(100), ForeignKey("policies.name", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    incident_id: Mapped[int | None] = mapped_column(default=None)
    trigger: Mapped[str] = mapped_column(String(50))
    outcome: Mapped[str] = mapped_column(String(20))
