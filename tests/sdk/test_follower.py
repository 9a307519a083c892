"""Following the server's levers: stream, polling fallback, garbage, server down and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from blastwall.sdk import Decision, Guard
from blastwall.sdk.levers import store
from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.follower import LeverFollower
from tests.sdk.factories import ENVIRONMENT, SYSTEM, FakeServer, wait_for

GuardFactory = Callable[..., Guard]


def decision(guard: Guard) -> Decision:
    with guard.call(input="q") as call:
        pass
    return call.decision


def test_a_kill_pushed_on_the_stream_is_obeyed_by_the_next_call(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    assert wait_for(lambda: fake.open_streams == 1)
    assert decision(guard) is Decision.proceed
    fake.set_state(killed=True)
    assert wait_for(lambda: decision(guard) is Decision.killed)
    fake.set_state(killed=False)
    assert wait_for(lambda: decision(guard) is Decision.proceed)
    stream_requests = [r for r in fake.requests if r.url.path.endswith("/levers/stream")]
    assert stream_requests[0].headers["authorization"] == "Bearer t0ken"
    assert stream_requests[0].url.params["system"] == SYSTEM


def test_state_on_the_server_at_start_applies_before_the_first_call(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_state(environment=ENVIRONMENT, safe_mode=True)
    guard = make_guard()
    assert decision(guard) is Decision.safe_mode


def test_garbage_on_the_stream_is_counted_and_skipped(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    assert wait_for(lambda: fake.open_streams == 1)
    fake.push_raw("data: {not json at all\n\n")
    fake.push_raw('event: levers\ndata: {"system": "support-bot"}\n\n')
    fake.push_raw("\x00\x01 binary line without a colon\n\nretry: soon\n\n")
    fake.set_state(killed=True)
    assert wait_for(lambda: decision(guard) is Decision.killed)
    assert guard.stats()["lever_garbage"] == 2


def test_without_a_stream_the_guard_polls(fake: FakeServer, make_guard: GuardFactory) -> None:
    fake.stream_ok = False
    guard = make_guard()
    fake.set_state(human_fallback=True)
    assert wait_for(lambda: decision(guard) is Decision.human_fallback)
    polls = [r for r in fake.requests if r.url.path.endswith("/levers")]
    assert len(polls) >= 2


def test_server_down_at_start_then_up(fake: FakeServer, make_guard: GuardFactory) -> None:
    fake.down = True
    guard = make_guard(startup_sync_s=0.5)
    assert decision(guard) is Decision.proceed
    fake.set_state(killed=True)
    fake.down = False
    assert wait_for(lambda: decision(guard) is Decision.killed)


def test_server_down_mid_run_keeps_the_last_state_and_recovers(
    fake: FakeServer, make_guard: GuardFactory, tmp_path: Path
) -> None:
    guard = make_guard()
    fake.set_state(killed=True)
    assert wait_for(lambda: decision(guard) is Decision.killed)
    fake.down = True
    assert wait_for(lambda: fake.open_streams == 0)
    assert [decision(guard) for _ in range(3)] == [Decision.killed] * 3
    fake.set_state(killed=False)
    fake.down = False
    assert wait_for(lambda: decision(guard) is Decision.proceed)

    def saved() -> list[tuple[int, bool]]:
        loaded = store.load(tmp_path / "levers.json")
        return [] if loaded is None else [(s.revision, s.killed) for s in loaded.states]

    assert wait_for(lambda: saved() == [(2, False)])


@pytest.mark.parametrize(("announced", "learned"), [("20", 20.0), ("nonsense", 5.0), ("-1", 5.0)])
def test_the_keepalive_interval_the_stream_announces_raises_the_staleness_floor(
    fake: FakeServer, make_guard: GuardFactory, announced: str, learned: float
) -> None:
    fake.keepalive_s = announced
    guard = make_guard(stale_policy="safe_mode", stale_after_s=30)
    assert wait_for(lambda: guard.stats()["stream_connected"])
    assert guard.levers_cache.keepalive_s == learned
    # The app's 30 s stays when it holds two keep-alives; 20 s keep-alives need 40 s.
    with guard.call(input="q") as call:
        pass
    step = guard.pipeline.steps[0]
    assert step.stale_after(call) == max(30.0, 2 * learned)


def test_keepalives_confirm_the_state(fake: FakeServer, make_guard: GuardFactory) -> None:
    guard = make_guard(startup_sync_s=0)
    assert wait_for(lambda: guard.levers_cache.confirmed_at is not None)
    first = guard.levers_cache.confirmed_at
    fake.push_raw(": keepalive\n\n")
    assert wait_for(lambda: guard.levers_cache.confirmed_at != first)


@pytest.mark.parametrize(("retry_after", "waited"), [("7", 8.4), (None, 0.25)])
def test_a_throttled_poll_waits_for_the_servers_retry_after(
    fake: FakeServer, monkeypatch: pytest.MonkeyPatch, retry_after: str | None, waited: float
) -> None:
    monkeypatch.setattr("blastwall.sdk.retry.random.uniform", lambda low, high: high)
    fake.levers_status, fake.retry_after = 429, retry_after
    client = httpx.Client(base_url="http://blastwall.test", transport=fake.transport)
    follower = LeverFollower(LeverCache(SYSTEM, ENVIRONMENT), client, use_stream=False)
    waits: list[float] = []
    monkeypatch.setattr(follower._stop, "wait", waits.append)
    follower._cycle(0.25)
    assert waits == [pytest.approx(waited)]
    client.close()
