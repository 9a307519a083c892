"""The dispatcher: delivers queued notifications, with retries, never holding a transaction
across the network.

One round (``tick``):

1. **Claim** due rows in a short transaction: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two
   dispatchers never take the same row), SQLite's single writer otherwise. A claim counts
   the attempt and moves ``next_attempt_at`` one lease ahead, then commits: if this
   process dies while sending, another dispatcher takes the row once the lease ends.
2. **Send** each claimed message on its channel, outside any transaction.
3. **Record** the outcome in a second short transaction, only if the claim still holds
   (same attempt number): delivered, failed at once (Rejected, deadline), or pending again
   after a backoff with full jitter that honours the receiver's Retry-After.

A delivery is at least once: a process killed after the receiver accepted a message but
before recording it sends it again after the lease. Every channel passes the idempotency
key (stable per change and channel) so receivers that dedupe see one message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.comms import ledger
from blastwall.comms.enums import MessageKind
from blastwall.config import Settings
from blastwall.db.base import utcnow
from blastwall.db.session import unit_of_work
from blastwall.notify import factory
from blastwall.notify.backoff import Backoff
from blastwall.notify.channels._render import plain_text
from blastwall.notify.channels.base import (
    Channel,
    Delivered,
    Outcome,
    Rejected,
    RetryLater,
    Transcribes,
)
from blastwall.notify.enums import AttemptOutcome, ChannelType, NotificationStatus
from blastwall.notify.message import Message
from blastwall.notify.models import DeliveryAttempt, Notification, NotifyChannel
from blastwall.notify.outbox import idempotency_key
from blastwall.notify.wake import WAKE

log = logging.getLogger(__name__)
CHANNEL_DESTINATION = "channel destination"
"""The ledger's recipient for a route's message: whoever the channel itself is set to reach."""
LEDGER_KINDS = {
    "incident.update_posted": MessageKind.update,
    "incident.update_reminder": MessageKind.reminder,
}
DISPATCHER = Actor(name="notify-dispatcher", role=Role.responder)
MAX_ERROR = 2000
MAX_ROUNDS_S = 5.0
"""Longest a tick keeps taking full rounds, so the runner can stop it within seconds."""


@dataclass(frozen=True)
class Claim:
    """A row this dispatcher holds for one attempt."""

    id: int
    attempt: int
    channel: str
    message: Message
    key: str


class Dispatcher:
    """A background task (``name``, ``interval_s``, ``tick``) that delivers the outbox.

    ``linger_s``: how long a tick waits for a wake-up (a commit that queued notifications
    in this process) before it looks at the outbox; the tick then sends at once, which is
    what keeps "incident opened -> message at the receiver" well under a second. Tests
    pass 0 and a ``clock`` they move by hand.
    """

    name = "notify-dispatcher"

    def __init__(
        self,
        factory_: sessionmaker[Session],
        *,
        interval_s: float = 0.05,
        linger_s: float = 2.0,
        lease_s: float = 60.0,
        backoff: Backoff | None = None,
        batch: int = 50,
        clock: Callable[[], datetime] = utcnow,
        environ: Mapping[str, str] | None = None,
        wake: threading.Event = WAKE,
    ) -> None:
        self.factory = factory_
        self.interval_s = interval_s
        self.linger_s = linger_s
        self.lease_s = lease_s
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.clock = clock
        self.environ = environ
        self.wake = wake
        self._behind = False

    @classmethod
    def of(cls, factory_: sessionmaker[Session], settings: Settings) -> Dispatcher:
        """The dispatcher the server runs, from its settings."""
        return cls(
            factory_,
            linger_s=settings.notify_interval_s,
            lease_s=settings.notify_lease_s,
            backoff=Backoff(settings.notify_backoff_base_s, settings.notify_backoff_cap_s),
        )

    def tick(self) -> None:
        """Wait up to ``linger_s`` for a wake-up, then deliver what is due.

        Bounded: full rounds follow each other for at most ``MAX_ROUNDS_S`` (a backlog after
        a restart drains at full speed); the next tick then starts without waiting.
        """
        if not self._behind and self.wake.wait(self.linger_s):
            self.wake.clear()
        started = time.monotonic()
        while True:
            self._behind = self.run_once() == self.batch
            if not self._behind or time.monotonic() - started > MAX_ROUNDS_S:
                return

    def run_once(self) -> int:
        """Claim, send and record up to ``batch`` due notifications; returns how many.

        The outcomes of a round are recorded in one transaction (one commit, not one per
        message: bench/notify_dispatch.py).
        """
        claims = self._claim()
        channels: dict[tuple[str, str], Channel | factory.Disabled] = {}
        outcomes = []
        for claim in claims:
            at = (claim.channel, claim.message.recipient or "")
            if at not in channels:
                channels[at] = self._channel(*at)
            outcome = self._send(channels[at], claim)
            text = transcript(channels[at], claim) if isinstance(outcome, Delivered) else None
            outcomes.append((claim, outcome, text))
        if outcomes:
            now = self.clock()
            with unit_of_work(self.factory) as session:
                for claim, outcome, text in outcomes:
                    self._record(session, claim, outcome, now, text)
        return len(claims)

    def _claim(self) -> list[Claim]:
        now = self.clock()
        claims: list[Claim] = []
        with unit_of_work(self.factory) as session:
            stmt = (
                select(Notification)
                .where(
                    Notification.status == NotificationStatus.pending.value,
                    Notification.next_attempt_at <= now,
                )
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
            for row in session.scalars(stmt):
                if row.deadline <= now:
                    last = f": {row.last_error}" if row.last_error else ""
                    self._finish(session, row, failed=f"deadline passed{last}")
                    continue
                row.attempts += 1
                row.next_attempt_at = now + timedelta(seconds=self.lease_s)
                key = idempotency_key(row.change_seq, row.channel, row.recipient)
                message = Message.from_json(row.message)
                claims.append(Claim(row.id, row.attempts, row.channel, message, key))
        return claims

    def _channel(self, name: str, recipient: str = "") -> Channel | factory.Disabled:
        with unit_of_work(self.factory) as session:
            row = session.scalar(select(NotifyChannel).where(NotifyChannel.name == name))
            if row is None:
                return factory.Disabled(f"channel {name} is no longer configured")
            settings = row.settings
            if recipient and row.type == ChannelType.pagerduty:
                # A person's page on PagerDuty goes to their own service: the recipient names
                # the variable holding its routing key (blastwall.paging.addresses).
                settings = {**settings, "routing_key_env": recipient}
            return factory.build(row.name, row.type, settings, self.environ)

    def _send(
        self, channel: Channel | factory.Disabled, claim: Claim
    ) -> Outcome | factory.Disabled:
        if isinstance(channel, factory.Disabled):
            return channel
        try:
            return channel.send(claim.message, idempotency_key=claim.key)
        except Exception as exc:  # a channel must not raise; if one does, retry, don't die
            log.exception(
                "channel %s raised while sending notification %s", claim.channel, claim.id
            )
            return RetryLater(f"the channel raised {type(exc).__name__}")

    def _record(
        self,
        session: Session,
        claim: Claim,
        outcome: Outcome | factory.Disabled,
        now: datetime,
        text: str | None = None,
    ) -> None:
        """Keep the attempt and settle the row, if this dispatcher's claim still holds.

        A delivered message with a ``text`` (what the channel sent) lands in the
        communications ledger in the same transaction as its delivered status.
        """
        row = session.get(Notification, claim.id, with_for_update=True)
        if row is None or row.status != NotificationStatus.pending or row.attempts != claim.attempt:
            return  # the lease ran out and another dispatcher took the row over
        kind, detail = _describe(outcome)
        session.add(
            DeliveryAttempt(
                notification_id=row.id,
                number=claim.attempt,
                at=now,
                outcome=kind,
                detail=detail,
            )
        )
        if isinstance(outcome, Delivered):
            self._finish(session, row, delivered_at=now)
            if text is not None:
                ledger.append(
                    session,
                    kind=ledger_kind(row.event),
                    channel=row.channel,
                    recipient=row.recipient or CHANNEL_DESTINATION,
                    text=text,
                    actor=DISPATCHER.name,
                    incident_id=row.incident_id,
                    ref=f"notification:{row.id}",
                    at=now,
                )
        elif isinstance(outcome, Rejected):
            self._finish(session, row, failed=f"rejected: {detail}")
        else:
            after_s = outcome.after_s if isinstance(outcome, RetryLater) else None
            due = now + timedelta(seconds=self.backoff.delay(row.attempts, after_s))
            row.last_error = detail[:MAX_ERROR]
            if due >= row.deadline:
                self._finish(session, row, failed=f"deadline passed: {detail}")
            else:
                row.next_attempt_at = due

    def _finish(
        self,
        session: Session,
        row: Notification,
        *,
        delivered_at: datetime | None = None,
        failed: str | None = None,
    ) -> None:
        """Mark ``row`` delivered or failed and record it (a timeline entry for an incident)."""
        before = {"status": row.status, "attempts": row.attempts}
        if delivered_at is not None:
            row.status = NotificationStatus.delivered.value
            row.delivered_at = delivered_at
            row.last_error = None
            verb, sentence = "delivered", f"notified {row.channel} ({row.event})"
        else:
            row.status = NotificationStatus.failed.value
            row.last_error = (failed or "")[:MAX_ERROR]
            verb = "failed"
            sentence = f"notification to {row.channel} ({row.event}) failed: {row.last_error}"
        tries = "1 attempt" if row.attempts == 1 else f"{row.attempts} attempts"
        record(
            session,
            Change(
                action=f"notification.{verb}",
                target=f"notification/{row.id}",
                actor=DISPATCHER,
                reason=row.last_error or "",
                before=before,
                after={"status": row.status, "attempts": row.attempts},
                incident_id=row.incident_id,
                timeline=f"{sentence} after {tries}" if row.incident_id is not None else "",
                data={"notification_id": row.id, "channel": row.channel, "event": row.event},
            ),
        )


def transcript(channel: Channel | factory.Disabled, claim: Claim) -> str | None:
    """What ``channel`` sent for ``claim``: its own transcript, else the plain-text rendering."""
    if isinstance(channel, factory.Disabled):
        return None
    if isinstance(channel, Transcribes):
        try:
            return channel.transcript(claim.message, idempotency_key=claim.key)
        except Exception:  # the message went out: keep a plain rendering rather than none
            log.exception(
                "channel %s could not transcribe notification %s", claim.channel, claim.id
            )
    return plain_text(claim.message)


def ledger_kind(event: str) -> MessageKind:
    """The ledger kind of a notification's event: pages, updates, reminders, notices by their
    action; every other routed message (incident opened, lever pulled ...) a notification."""
    if event.startswith("incident.page"):
        return MessageKind.page
    return LEDGER_KINDS.get(event, MessageKind.notification)


def _describe(outcome: Outcome | factory.Disabled) -> tuple[str, str]:
    if isinstance(outcome, Delivered):
        return AttemptOutcome.delivered.value, outcome.detail
    if isinstance(outcome, Rejected):
        return AttemptOutcome.rejected.value, outcome.error
    if isinstance(outcome, RetryLater):
        wait = f" (Retry-After {outcome.after_s:g} s)" if outcome.after_s is not None else ""
        return AttemptOutcome.retry_later.value, outcome.error + wait
    return AttemptOutcome.unavailable.value, outcome.reason
