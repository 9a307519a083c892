"""What kind of message a ledger entry records."""

from enum import StrEnum


class MessageKind(StrEnum):
    page = "page"
    update = "update"
    reminder = "reminder"
    notice = "notice"
    report = "report"
    notification = "notification"
    """Any other message a route sent (incident opened, lever pulled, ...)."""
