"""String enums of notifications: a notification's status, channel types, routable events."""

from __future__ import annotations

from enum import StrEnum


class NotificationStatus(StrEnum):
    """Where a notification in the outbox stands."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class ChannelType(StrEnum):
    """The kinds of destination a channel can be (one file each in ``notify/channels``)."""

    pagerduty = "pagerduty"
    slack = "slack"
    webhook = "webhook"
    email = "email"


class Event(StrEnum):
    """What a route can subscribe to; ``lever.*`` stands for every lever change."""

    incident_opened = "incident.opened"
    incident_severity_changed = "incident.severity_changed"
    incident_status_changed = "incident.status_changed"
    incident_acknowledged = "incident.acknowledged"
    incident_resolved = "incident.resolved"
    incident_update_posted = "incident.update_posted"
    lever = "lever.*"
    release_rollback = "release.rollback"
    regulatory_reminder = "regulatory.reminder"
    regulatory_report_submitted = "regulatory.report_submitted"


class AttemptOutcome(StrEnum):
    """What one delivery attempt came to (``channels.base`` outcomes, plus no channel)."""

    delivered = "delivered"
    retry_later = "retry_later"
    rejected = "rejected"
    unavailable = "unavailable"
