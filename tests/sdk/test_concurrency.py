"""Thousands of concurrent calls from threads and asyncio tasks while levers flip."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from blastwall import testing
from blastwall.sdk import Call, Decision, Guard
from blastwall.sdk.levers.state import WireLeverState
from tests.sdk.factories import wire_state

CALLS = 4000


def answer(guard: Guard, n: int) -> tuple[Decision, str]:
    with guard.call(user_id=f"u-{n}", input=f"question {n}") as call:
        if call.should_run:
            call.set_output(f"answer {n}")
    return call.decision, call.output


def flipper(guard: Guard, stop: threading.Event) -> int:
    """Toggle the kill lever as fast as the follower thread would apply states."""
    revision = 0
    while not stop.is_set():
        revision += 1
        state = wire_state(system=guard.system, revision=revision, killed=revision % 2 == 1)
        guard.levers_cache.apply([WireLeverState.model_validate(state)])
    return revision


def test_threads_each_get_a_consistent_answer_while_levers_flip() -> None:
    guard = testing.offline_guard("support-bot", max_queue=100)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=16) as pool, testing.capture() as captured:
        flips = pool.submit(flipper, guard, stop)
        results = list(pool.map(lambda n: answer(guard, n), range(CALLS)))
        stop.set()
        assert flips.result() > 0
    for n, (decision, output) in enumerate(results):
        assert (decision, output) in (
            (Decision.proceed, f"answer {n}"),
            (Decision.killed, "This assistant is unavailable right now. Please try again later."),
        )
    assert len(captured.calls) == CALLS
    assert len({c.trace_id for c in captured.calls}) == CALLS
    guard.close()
    stats = guard.stats()
    assert (stats["queued"], stats["dropped"] + stats["sent"]) == (0, CALLS)  # all accounted


def test_asyncio_tasks_each_get_their_own_call_and_trace() -> None:
    guard = testing.offline_guard("support-bot")

    async def one(n: int) -> Call:
        async with guard.call(input=f"q{n}") as call:
            await asyncio.sleep(0)  # interleave with the other tasks inside the block
            with guard.call(input="nested") as nested:
                assert nested.trace_id == call.trace_id
            call.set_output(f"a{n}")
        return call

    async def everyone() -> list[Call]:
        return await asyncio.gather(*(one(n) for n in range(CALLS)))

    calls = asyncio.run(everyone())
    assert [c.output for c in calls] == [f"a{n}" for n in range(CALLS)]
    assert len({c.trace_id for c in calls}) == CALLS
    guard.close()


def test_parallel_tool_threads_of_one_call_lose_no_record_and_share_one_trace_id() -> None:
    guard = testing.offline_guard("support-bot")
    with guard.call(input="q") as call, ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda n: call.trace_id, range(64)))
        list(pool.map(lambda n: call.tool(f"t{n}", lambda: n), range(500)))
    assert len(set(ids)) == 1
    assert ids[0] == call.trace_id
    assert sorted(g.result for g in call.gates) == list(range(500))
    guard.close()
