"""States of an approval request at the action gate."""

from __future__ import annotations

from enum import StrEnum


class ApprovalStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    denied = "denied"
    # Nobody decided before the request's deadline; the SDK has already refused the action.
    expired = "expired"
