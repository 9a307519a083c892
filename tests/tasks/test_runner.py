"""The runner: cadence, standby, failures, stop; counted with a stepped clock, never timed."""

from __future__ import annotations

import logging

import pytest

from blastwall.tasks import Runner, SingleProcess
from blastwall.tasks.runner import Role
from tests.tasks.fakes import Blocking, Clock, Counting, Scripted


def test_a_task_ticks_once_per_interval_until_stopped() -> None:
    clock, task = Clock(), Counting(interval_s=2.0)
    runner = Runner([task], SingleProcess(), wait=clock.wait)
    runner.start()
    clock.until_waiting()
    assert (task.calls, clock.waits) == (1, [2.0])  # the first round runs at once
    clock.step()
    clock.step()
    assert (task.calls, clock.waits) == (3, [2.0, 2.0, 2.0])
    [status] = runner.status()
    assert (status.name, status.role, status.ticks, status.failures) == (
        "counting",
        Role.leader,
        3,
        0,
    )
    assert runner.stop(timeout=30) == []
    assert task.calls == 3  # stop interrupted the wait: no further round
    assert runner.status()[0].role is Role.stopped


def test_a_failing_tick_is_logged_with_the_task_name_and_the_task_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, task = Clock(), Counting("flaky", interval_s=1.0, fail_on=(2,))
    runner = Runner([task], SingleProcess(), failure_backoff_s=5.0, wait=clock.wait)
    with caplog.at_level(logging.ERROR, logger="blastwall.tasks.runner"):
        runner.start()
        clock.until_waiting()
        clock.step()
        clock.step()
    # After the failure the task waits the back-off, then resumes its interval.
    assert (task.calls, clock.waits) == (3, [1.0, 5.0, 1.0])
    [status] = runner.status()
    assert (status.ticks, status.failures, status.last_error) == (
        2,
        1,
        "RuntimeError: boom on tick 2",
    )
    assert status.last_error_at is not None
    assert [r.getMessage() for r in caplog.records] == [
        "background task flaky: tick failed; retrying in 5.0 s"
    ]
    assert caplog.records[0].exc_info is not None  # the traceback is logged too
    assert runner.stop(timeout=30) == []


def test_a_standby_retries_leadership_and_ticks_only_once_it_leads() -> None:
    clock, task = Clock(), Counting(interval_s=2.0)
    leadership = Scripted([False, False, True])
    runner = Runner([task], leadership, retry_s=0.5, wait=clock.wait)
    runner.start()
    clock.until_waiting()
    assert (task.calls, clock.waits, runner.status()[0].role) == (0, [0.5], Role.standby)
    clock.step()
    clock.step()
    assert (task.calls, clock.waits, runner.status()[0].role) == (1, [0.5, 0.5, 2.0], Role.leader)
    assert runner.stop(timeout=30) == []
    assert leadership.released == ["counting"]


def test_losing_leadership_stops_the_ticks_until_it_is_won_back() -> None:
    clock, task = Clock(), Counting(interval_s=2.0)
    runner = Runner([task], Scripted([True, False, False, True]), retry_s=0.5, wait=clock.wait)
    runner.start()
    clock.until_waiting()
    clock.step()
    clock.step()
    clock.step()
    assert (task.calls, clock.waits) == (2, [2.0, 0.5, 0.5, 2.0])
    assert runner.stop(timeout=30) == []


def test_stop_returns_while_a_tick_runs_and_that_tick_finishes_its_round_alone() -> None:
    task = Blocking()
    leadership = Scripted([True])
    runner = Runner([task], leadership)
    runner.start()
    assert task.started.wait(30)
    assert runner.stop(timeout=0.05) == ["slow"]  # returned with the tick still running
    assert leadership.released == []  # the lock is kept while the round runs
    task.release.set()
    assert runner.stop(timeout=30) == []
    assert (task.calls, runner.status()[0].ticks, runner.status()[0].role) == (1, 1, Role.stopped)
    assert leadership.released == ["slow"]


def test_every_task_runs_in_its_own_thread() -> None:
    slow, quick = Blocking(), Counting("quick")
    clock = Clock()
    runner = Runner([slow, quick], SingleProcess(), wait=clock.wait)
    runner.start()
    assert slow.started.wait(30)
    clock.until_waiting()  # the quick task ticked while the slow one is still in its round
    assert (slow.calls, quick.calls) == (1, 1)
    slow.release.set()
    assert runner.stop(timeout=30) == []


def test_two_tasks_with_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match=r"must be unique; given twice: \['engine'\]"):
        Runner([Counting("engine"), Counting("engine"), Counting("other")], SingleProcess())


def test_a_runner_starts_once() -> None:
    runner = Runner([], SingleProcess())
    runner.start()
    with pytest.raises(RuntimeError, match="already started"):
        runner.start()
    assert runner.stop() == []
