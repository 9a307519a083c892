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
from blastwall.notify.message import Message
from blastwall.notify.models import Notification, NotifyChannel
from blastwall.notify.routes import any_route, channels_for


def idempotency_key(change_seq: int, channel: str, recipient: str = "") -> str:
    """Stable for one (change, channel, recipient): receivers that dedupe see every retry as
    one."""
    base = f"blastwall-{change_seq}-{channel}"
    return f"{base}-{recipient}" if recipient else base


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


def queue(
    session: Session,
    recorded: Recorded,
    message: Message,
    channel: str,
    *,
    recipient: str = "",
) -> Notification:
    """Queue ``message`` for one (channel, recipient), in the transaction of ``recorded``.

    For changes no route decides on: a page to one person (``blastwall.paging``).
    """
    now = recorded.entry.at
    row = Notification(
        change_seq=recorded.audit_seq,
        channel=channel,
        recipient=recipient,
        event=message.event,
        incident_id=message.incident_id,
        message=message.to_json(),
        status=NotificationStatus.pending.value,
        attempts=0,
        next_attempt_at=now,
        deadline=now + timedelta(seconds=get_settings().notify_deadline_s),
        created_at=now,
    )
    session.add(row)
    return row


def queued_for(session: Session, change_seq: int) -> set[tuple[str, str]]:
    """The (channel, recipient) pairs already queued for one change."""
    rows = session.execute(
        select(Notification.channel, Notification.recipient).where(
            Notification.change_seq == change_seq
        )
    )
    return {(channel, recipient) for channel, recipient in rows}


def paged(session: Session, incident_id: int, event: str) -> set[tuple[str, str]]:
    """The (channel, recipient) pairs ``event`` messages of an incident were queued for."""
    rows = session.execute(
        select(Notification.channel, Notification.recipient).where(
            Notification.incident_id == incident_id, Notification.event == event
        )
    )
    return {(channel, recipient) for channel, recipient in rows}
