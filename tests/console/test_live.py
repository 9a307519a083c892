"""The console's live stream: 'changed' when the store changes, and the end on shutdown."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from sqlalchemy.orm import Session, sessionmaker

from blastwall.console import live
from blastwall.levers import service as levers
from blastwall.levers import stream
from tests.conftest import SETUP_ACTOR
from tests.levers.factories import committed_system


def test_a_change_is_announced_and_closing_the_broadcaster_ends_the_stream(
    session_factory: sessionmaker[Session],
) -> None:
    committed_system(session_factory)
    broadcaster = stream.Broadcaster(fetch=lambda after: [], latest=lambda: 0)

    async def is_disconnected() -> bool:
        return False

    state = SimpleNamespace(read_session_factory=session_factory, lever_broadcaster=broadcaster)
    request = SimpleNamespace(app=SimpleNamespace(state=state), is_disconnected=is_disconnected)

    async def scenario() -> list[str]:
        chunks: list[str] = []

        async def read() -> None:
            async with asyncio.timeout(60):
                async for chunk in live.changes(request, poll_s=0.05):  # type: ignore[arg-type]
                    chunks.append(chunk)

        reading = asyncio.create_task(read())
        while not chunks:  # the stream has read the store once and said hello
            await asyncio.sleep(0.01)
        with session_factory() as session, session.begin():
            levers.kill(session, "support-bot", actor=SETUP_ACTOR, reason="drill")
        while not any(c.startswith("event: changed") for c in chunks):
            await asyncio.sleep(0.01)
        broadcaster.close()  # what SIGTERM does (server/app.py)
        await reading
        return chunks

    chunks = asyncio.run(scenario())
    assert chunks[0] == "retry: 50\n\n"
    changed = [c for c in chunks if c.startswith("event: changed")]
    assert len(changed) == 1
    with session_factory() as session:
        version = live.version(session)
    assert changed[0] == f"event: changed\ndata: {'.'.join(map(str, version))}\n\n"
