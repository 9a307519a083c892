"""Notification tables: configured channels and routes, the outbox, delivery attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blastwall.db.base import Base, JSONType, utcnow


class NotifyChannel(Base):
    """A configured destination. ``settings`` holds non-secret values and the NAMES of the
    environment variables that hold secrets, never the secrets themselves."""

    __tablename__ = "notify_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifyRoute(Base):
    """Which changes (events, systems, severities) go to which channels."""

    __tablename__ = "notify_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The order routes appear in blastwall.yaml; only for showing them back in that order.
    position: Mapped[int] = mapped_column(default=0)
    events: Mapped[list[str]] = mapped_column(default=list)
    # Empty: every system (or every severity).
    systems: Mapped[list[str]] = mapped_column(default=list)
    severities: Mapped[list[int]] = mapped_column(JSONType, default=list)
    channels: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One message for one channel, written in the transaction of the change that caused it.

    (change_seq, channel, recipient) is unique: that is the idempotency of delivery.
    ``recipient`` is '' for a route's message (the channel's own destination) and names the
    person's address on the channel for a page (``blastwall.paging``), so one change can
    page several people on one channel. The dispatcher
    claims a due row by moving ``next_attempt_at`` a lease ahead and counting the attempt,
    so another dispatcher does not take it while the message is on the wire.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("change_seq", "channel", "recipient"),
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_seq: Mapped[int]
    channel: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(320), default="")
    event: Mapped[str] = mapped_column(String(50))
    incident_id: Mapped[int | None] = mapped_column(default=None, index=True)
    message: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    deadline: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryAttempt(Base):
    """The outcome of one try at delivering a notification, kept for `notify list` and audits."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
