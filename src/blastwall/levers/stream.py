"""Push each new lever revision to SDKs as server-sent events (C1-C6 within a second).

One :class:`Broadcaster` per app reads new states from the database and fans them out to
every open stream. It reads when this process announces a commit (``notify``) and at
least every :data:`POLL_INTERVAL_S`, so changes committed elsewhere (the CLI on the
database, another replica) reach the streams too. Revisions commit in order (the
revision counter's lock is held until commit), so "revision > last seen" misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from blastwall.levers import notify

POLL_INTERVAL_S = 0.5
EVERY_SYSTEM = "*"
"""The system of an event every stream receives, whatever system it follows."""
QUEUE_MAX = 1000

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StateEvent:
    """One event to send: its revision, its system, its JSON, and its SSE event name.

    ``levers`` carries a LeverStateRead; ``release`` the release in force in one
    environment (registry ReleaseState). Both share the revision sequence.
    """

    revision: int
    system: str
    data: str
    kind: str = "levers"


Fetch = Callable[[int], list[StateEvent]]
"""States with a revision above the argument, oldest first (runs in a worker thread)."""


def format_event(event: StateEvent) -> str:
    """The SSE wire form; ``id`` is the revision, so a reconnect resumes with Last-Event-ID."""
    return f"id: {event.revision}\nevent: {event.kind}\ndata: {event.data}\n\n"


KEEPALIVE = ": keepalive\n\n"


@dataclass(eq=False)
class Subscription:
    """One open stream's inbox; ``lagged`` when it fell too far behind to keep up.

    ``None`` in the queue, or ``ended``, means the server is stopping: the stream ends
    so SDKs see it close and fall back to polling, instead of holding the server open.
    """

    queue: asyncio.Queue[StateEvent | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_MAX)
    )
    lagged: bool = False
    ended: bool = False

    def offer(self, event: StateEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True

    def end(self) -> None:
        self.ended = True
        with contextlib.suppress(asyncio.QueueFull):  # a full queue is read, then ended
            self.queue.put_nowait(None)


class Broadcaster:
    """Reads new lever states once for all streams of one app and hands them out."""

    def __init__(
        self,
        fetch: Fetch,
        latest: Callable[[], int],
        poll_interval_s: float | None = None,
    ) -> None:
        self.poll_interval_s = POLL_INTERVAL_S if poll_interval_s is None else poll_interval_s
        self._fetch = fetch
        self._latest = latest
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscriptions: set[Subscription] = set()
        self._last = 0
        self._closed = False

    async def subscribe(self) -> Subscription:
        """Open an inbox that receives every state committed from now on."""
        self._bind(asyncio.get_running_loop())
        subscription = Subscription()
        if self._closed:
            subscription.end()
            return subscription
        # Registered before the await below, so a close() meanwhile ends this one too.
        self._subscriptions.add(subscription)
        if self._task is None:
            latest = await asyncio.to_thread(self._latest)
            if self._task is None:
                self._last = latest
                self._task = asyncio.get_running_loop().create_task(self._run())
                notify.listen(self.wake)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)
        if not self._subscriptions:
            self._wake.set()  # let the reader notice it has no one left and stop

    def wake(self, _revision: int = 0) -> None:
        """Read the database now; safe to call from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the loop closed between the check and the call
            return

    def close(self) -> None:
        """End every stream, and any opened from now on; safe from any thread or a signal."""
        self._closed = True
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing is open
            loop.call_soon_threadsafe(self._end_all)

    def _end_all(self) -> None:
        for subscription in list(self._subscriptions):
            subscription.end()
        self._wake.set()

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        # A test client may run the app on a fresh loop; state from a dead loop is unusable.
        if self._loop is not loop:
            self._loop = loop
            self._wake = asyncio.Event()
            self._task = None
            self._subscriptions = set()

    async def _run(self) -> None:
        try:
            while self._subscriptions:
                try:
                    async with asyncio.timeout(self.poll_interval_s):
                        await self._wake.wait()
                except TimeoutError:
                    pass
                self._wake.clear()
                if not self._subscriptions:
                    break
                try:
                    fresh = await asyncio.to_thread(self._fetch, self._last)
                except Exception:
                    # The database may be briefly unreachable; the next tick tries again.
                    _log.warning("lever stream could not read new states", exc_info=True)
                    continue
                for event in fresh:
                    self._last = max(self._last, event.revision)
                    for subscription in list(self._subscriptions):
                        subscription.offer(event)
        finally:
            notify.unlisten(self.wake)
            self._task = None


async def events(
    broadcaster: Broadcaster,
    backlog: Fetch,
    *,
    since: int,
    system: str | None,
    heartbeat_s: float,
) -> AsyncIterator[str]:
    """Every state newer than ``since``, then each new one as it commits, with keep-alives."""
    subscription = await broadcaster.subscribe()
    try:
        last_sent = since
        # Subscribe before reading the backlog so nothing committed in between is lost.
        for event in await asyncio.to_thread(backlog, since):
            last_sent = max(last_sent, event.revision)
            yield format_event(event)
        while not (subscription.lagged or subscription.ended):
            try:
                async with asyncio.timeout(heartbeat_s):
                    fresh = await subscription.queue.get()
            except TimeoutError:
                yield KEEPALIVE
                continue
            if fresh is None:
                break  # the server is stopping
            if fresh.revision <= last_sent or (
                system is not None and fresh.system not in (system, EVERY_SYSTEM)
            ):
                continue
            last_sent = fresh.revision
            yield format_event(fresh)
        # Too far behind, or the server is stopping: end the stream; the client reconnects
        # with Last-Event-ID (or polls while the server is away).
    finally:
        broadcaster.unsubscribe(subscription)
