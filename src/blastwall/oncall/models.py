"""On-call tables: people, schedules (layers as JSON), overrides, policies, coverage rules.

A schedule's layers and a policy's levels are stored as the JSON of their ``blastwall.yaml``
spec: they are read and replaced whole, never queried inside. Names referenced from that
JSON are checked by the service before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, JSONType, utcnow


class Person(Base):
    """Someone who can be paged, and how to reach them."""

    __tablename__ = "oncall_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    handle: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    slack_user: Mapped[str | None] = mapped_column(String(40), default=None)
    # The name of the environment variable holding the key, never the key itself.
    pagerduty_routing_key_env: Mapped[str | None] = mapped_column(String(128), default=None)
    pagerduty_service: Mapped[str | None] = mapped_column(String(100), default=None)
    phone: Mapped[str | None] = mapped_column(String(50), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Schedule(Base):
    """A named rotation schedule: its time zone and layers (lowest first)."""

    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    layers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Override(Base):
    """A person on call for a schedule from ``starts_at`` to ``ends_at``, above every layer."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_schedule_id_ends_at", "schedule_id", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("oncall_people.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Policy(Base):
    """An escalation policy: levels (JSON) paged in turn, or a PagerDuty service."""

    __tablename__ = "oncall_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    repeat: Mapped[int] = mapped_column(default=0)
    pagerduty_service: Mapped[str | None] = mapped_column(String(100), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoverageRule(Base):
    """Policy ``policy_id`` covers ``systems`` x ``severities`` (null: every one)."""

    __tablename__ = "oncall_coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int]
    policy_id: Mapped[int] = mapped_column(ForeignKey("oncall_policies.id", ondelete="CASCADE"))
    systems: Mapped[list[str] | None] = mapped_column(JSONType, default=None)
    severities: Mapped[list[int] | None] = mapped_column(JSONType, default=None)
