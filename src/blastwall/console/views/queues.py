"""The queues people work through: review, hand-offs, approvals; and who is on call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from blastwall.approvals import service as approvals
from blastwall.approvals.enums import ApprovalStatus
from blastwall.approvals.models import ApprovalRequest
from blastwall.db.pagination import PageQuery
from blastwall.handoffs import service as handoffs
from blastwall.handoffs.enums import HandoffStatus
from blastwall.handoffs.models import Handoff
from blastwall.oncall import resolve
from blastwall.registry import service as registry
from blastwall.review import service as review
from blastwall.review.enums import Status as ReviewStatus
from blastwall.review.models import ReviewItem

SHOWN = 50
SEVERITIES = (1, 2, 3, 4)


@dataclass
class ReviewQueue:
    pending: list[ReviewItem]
    claimed: list[ReviewItem]


def review_queue(session: Session) -> ReviewQueue:
    """Sampled outputs waiting for a reviewer, and those a reviewer holds (oldest first)."""
    page = PageQuery(limit=SHOWN)
    return ReviewQueue(
        review.list_(session, status=ReviewStatus.pending, page=page).items,
        review.list_(session, status=ReviewStatus.claimed, page=page).items,
    )


@dataclass
class WorkQueues:
    handoffs: list[Handoff]
    approvals: list[ApprovalRequest]


def work_queues(session: Session) -> WorkQueues:
    """Open and claimed hand-offs to humans, and actions waiting for an approver."""
    page = PageQuery(limit=SHOWN)
    waiting = handoffs.list_(session, status=HandoffStatus.open, page=page).items
    waiting += handoffs.list_(session, status=HandoffStatus.claimed, page=page).items
    pending = approvals.list_(session, status=ApprovalStatus.pending, page=page).items
    return WorkQueues(sorted(waiting, key=lambda h: h.id), pending)


def on_call(session: Session, now: datetime | None = None) -> list[resolve.OnCallNow]:
    """Per system, who a severity-1 page reaches now (level by level), or that none does."""
    at = now or datetime.now(UTC)
    return [resolve.now(session, s.name, 1, at) for s in registry.all_(session)]
