"""Fixtures of the notification tests: a receiver, the test channel, a dispatcher on a clock."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from blastwall.notify import factory
from blastwall.notify.backoff import Backoff
from blastwall.notify.dispatcher import Dispatcher
from tests.notify.support import Receiver, post_channel, receiving


class Clock:
    """A clock the test moves by hand: the dispatcher's 'now'."""

    def __init__(self) -> None:
        # A second ahead of the wall clock, so the rows a test queues next are already due.
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A receiver on loopback; the webhook channel type posts to it (HOOK_URL)."""
    monkeypatch.setitem(factory.BUILDERS, "webhook", post_channel)
    with receiving(Receiver()) as running:
        monkeypatch.setenv("HOOK_URL", running.url)
        monkeypatch.setenv("HOOK_SECRET", "s3cret")
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dispatcher(session_factory: sessionmaker[Session], clock: Clock) -> Dispatcher:
    """A dispatcher that does not wait for wake-ups and draws its jitter from a fixed seed."""
    backoff = Backoff(base_s=1, cap_s=60, rng=random.Random(1))
    return Dispatcher(
        session_factory,
        linger_s=0,
        lease_s=30,
        backoff=backoff,
        clock=clock,
        wake=threading.Event(),
    )


@pytest.fixture(autouse=True)
def _no_server_dispatch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps these tests start do not dispatch: the tests drive their own dispatcher."""
    monkeypatch.setenv("BLASTWALL_NOTIFY_DISPATCH_ENABLED", "false")
