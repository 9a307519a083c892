"""Live updates: one server-sent event stream per open console page.

The stream says ``changed`` whenever anything a page shows may have changed: a new audit
entry (every change goes through ``changes.record``), timeline entry, alarm or
verification decision. Pages listen with htmx's SSE extension and re-fetch their live
region, which the server renders again: the fragment is always what a reload would show.

It wakes at once on lever and release commits (the lever broadcaster every SDK stream
uses), looks at the store every ``POLL_S`` otherwise, and ends the moment the server is
told to stop: the broadcaster's ``close`` on SIGTERM ends its subscriptions (app.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes.models import AuditEntry
from blastwall.console.web import ConsoleRoute, Current
from blastwall.detect.monitors.models import Alarm, Verification
from blastwall.incidents.models import TimelineEntry
from blastwall.levers.api import broadcaster_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
POLL_S = 2.0


def version(session: Session) -> tuple[int, ...]:
    """A value that moves whenever something a console page shows changes."""
    newest = [
        int(session.scalar(select(func.coalesce(func.max(column), 0))) or 0)
        for column in (AuditEntry.seq, TimelineEntry.id, Alarm.id, Verification.revision)
    ]
    decided = select(func.count()).where(Verification.decided_at.is_not(None))
    return (*newest, int(session.scalar(decided) or 0))


def _read(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with factory() as session:
        return version(session)


async def changes(request: Request, poll_s: float = POLL_S) -> AsyncIterator[str]:
    """``changed`` events until the client leaves or the server stops."""
    factory: sessionmaker[Session] = request.app.state.read_session_factory
    broadcaster = broadcaster_of(request.app.state)
    subscription = await broadcaster.subscribe()
    try:
        last = await asyncio.to_thread(_read, factory)
        yield f"retry: {int(poll_s * 1000)}\n\n"
        while not subscription.ended:
            try:
                async with asyncio.timeout(poll_s):
                    if await subscription.queue.get() is None:
                        break  # the server is stopping
            except TimeoutError:
                pass
            if await request.is_disconnected():
                break
            now = await asyncio.to_thread(_read, factory)
            if now != last:
                last = now
                yield f"event: changed\ndata: {'.'.join(map(str, now))}\n\n"
            else:
                yield ": keepalive\n\n"
    finally:
        broadcaster.unsubscribe(subscription)


@router.get("/live")
async def console_live(request: Request, _: Current) -> StreamingResponse:
    return StreamingResponse(
        changes(request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
