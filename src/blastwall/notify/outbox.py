"""The transactional outbox: a change that matches a route queues one row per channel.

``enqueue`` is an in-transaction subscriber of the change kernel (``blastwall.wiring``),
so the rows commit or roll back with the change itself: a crash after the commit cannot
lose the notification, and a change that rolls back never notifies anyone.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.changes import Recorded
from blastwall.config import get_settings
from blastwall.notify.compose import compose, facts
from blastwall.notify.enums import NotificationStatus
from blastwall.notify.events import events_of
from blastwall.notify.models import Notification, NotifyChannel
from blastwall.notify.routes import any_route, channels_for


def idempotency_key(change_seq: int, channel: str) -> str:
    """Stable for one (change, channel): receivers that dedupe see every retry as one."""
    return f"blastwall-{change_seq}-{channel}"


def enqueue(session: Session, recorded: Recorded) -> None:
    """Queue the change for every channel a matching route names (none: nothing written)."""
    events = events_of(recorded.change)
    if not events or not any_route(session):
        return
    found, incident = facts(session, recorded)
    chosen = channels_for(session, events, found)
    known = set(session.scalars(select(NotifyChannel.name).where(NotifyChannel.name.in_(chosen))))
    if not known:
        return
    now = recorded.entry.at
    deadline = now + timedelta(seconds=get_settings().notify_deadline_s)
    for channel, event in chosen.items():
        if channel not in known:
            continue  # apply refuses routes to unknown channels; a removed one sends nothing
        message = compose(recorded, event.value, found, incident)
        session.add(
            Notification(
                change_seq=recorded.audit_seq,
                channel=channel,
                event=event.value,
                incident_id=message.incident_id,
                message=message.to_json(),
                status=NotificationStatus.pending.value,
                attempts=0,
                next_attempt_at=now,
                deadline=deadline,
                created_at=now,
            )
        )
    session.flush()
