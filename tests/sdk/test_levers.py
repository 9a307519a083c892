"""Lever state in process: merging, the snapshot, the state file, staleness (C1-C6, C9)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from blastwall import testing
from blastwall.sdk import Decision, Guard, StalePolicy
from blastwall.sdk.levers import store
from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.state import NORMAL, WireLeverState, merge
from tests.sdk.factories import ENVIRONMENT, SYSTEM, wire_state


def state(**kw: Any) -> WireLeverState:
    return WireLeverState.model_validate(wire_state(**kw))


def test_merge_takes_the_stricter_of_the_star_and_the_environment_rows() -> None:
    everywhere = state(
        environment="*",
        revision=3,
        filters=["pii"],
        disabled_tools=["refund"],
        retrieval_sources=["kb-a", "kb-b"],
        reroute_model="small",
    )
    here = state(
        environment=ENVIRONMENT,
        revision=5,
        safe_mode=True,
        filters=["secrets", "pii"],
        disabled_tools=["email"],
        retrieval_sources=["kb-b", "kb-c"],
        reroute_model="tiny",
    )
    levers = merge(everywhere, here)
    assert (levers.killed, levers.safe_mode, levers.active) == (False, True, True)
    assert levers.filters == ("pii", "secrets")
    assert levers.disabled_tools == frozenset({"refund", "email"})
    assert levers.retrieval_sources == frozenset({"kb-b"})
    assert (levers.reroute_model, levers.revision) == ("tiny", 5)


def test_merge_of_nothing_is_normal_and_normal_is_inactive() -> None:
    assert merge(None, None) is NORMAL
    assert NORMAL.active is False
    assert merge(state(revision=2), None).active is False


def test_cache_keeps_only_newer_states_of_its_own_system() -> None:
    cache = LeverCache(SYSTEM, ENVIRONMENT)
    assert cache.apply([state(revision=4, killed=True)]) is True
    assert cache.apply([state(revision=3, killed=False)]) is False
    assert cache.apply([state(system="other-bot", revision=9)]) is False
    assert (cache.levers.killed, cache.revision) == (True, 4)
    assert cache.apply([state(environment="staging", revision=6, safe_mode=True)]) is True
    assert cache.levers.safe_mode is False  # another environment's row does not apply here
    assert cache.revision == 6


def test_state_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "levers.json"
    store.save(path, [state(revision=7, killed=True)], 1_700_000_000.5)
    saved = store.load(path)
    assert saved is not None
    assert [(s.revision, s.killed) for s in saved.states] == [(7, True)]
    assert saved.confirmed_wall == 1_700_000_000.5
    assert [p.name for p in tmp_path.iterdir()] == ["levers.json"]  # no temp file left


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"{not json",
        b"[]",
        json.dumps({"format": 99, "states": []}).encode(),
        json.dumps({"format": 1, "states": [{"system": "x"}]}).encode(),
        json.dumps({"format": 1, "confirmed_at": "yesterday", "states": []}).encode(),
    ],
    ids=["empty", "binary", "truncated", "list", "format", "bad-state", "bad-time"],
)
def test_a_corrupt_state_file_is_ignored_with_a_warning(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "levers.json"
    path.write_bytes(content)
    assert store.load(path) is None
    assert "is corrupt" in caplog.text
    assert "ignoring it until the server sends the current state" in caplog.text


def test_a_missing_state_file_is_simply_no_state(tmp_path: Path) -> None:
    assert store.load(tmp_path / "nothing-here.json") is None


def test_a_restarted_process_honours_a_kill_before_reaching_the_server(tmp_path: Path) -> None:
    path = tmp_path / "levers.json"
    first = testing.offline_guard(SYSTEM, ENVIRONMENT, state_file=path)
    first.levers_cache.apply([state(environment="*", revision=11, killed=True)])
    first.close()
    # The server is unreachable (nothing listens on port 9): the file alone decides.
    second = Guard(
        SYSTEM,
        ENVIRONMENT,
        server="http://127.0.0.1:9",
        state_file=path,
        otel_spans=False,
        startup_sync_s=0.2,
    )
    try:
        with second.call(input="q") as call:
            pass
        assert (call.decision, call.levers.revision) == (Decision.killed, 11)
    finally:
        second.close()


def test_a_corrupt_state_file_at_start_leaves_the_guard_working(tmp_path: Path) -> None:
    path = tmp_path / "levers.json"
    path.write_bytes(b"\x00\x01 not a lever file")
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT, state_file=path)
    with guard.call(input="q") as call:
        call.set_output("fine")
    assert (call.decision, call.output) == (Decision.proceed, "fine")
    guard.levers_cache.apply([state(revision=1, killed=True)])
    assert store.load(path) is not None  # the next change rewrote it whole
    guard.close()


def test_stale_policy_safe_mode_falls_to_safe_mode_when_unconfirmed() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT, stale_policy="safe_mode", stale_after_s=30)
    guard.levers_cache.confirm(wall=time.time() - 60)
    with guard.call(input="q") as call:
        pass
    assert (call.decision, call.levers_acted) == (Decision.safe_mode, ("stale_safe_mode",))
    guard.levers_cache.confirm()
    with guard.call(input="q") as call:
        pass
    assert call.decision is Decision.proceed
    guard.close()


def test_the_servers_stale_policy_applies_when_the_app_sets_none() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT)
    guard.levers_cache.apply(
        [state(environment="*", revision=1, stale_policy="safe_mode", stale_after_s=30)],
        confirm=False,
    )
    guard.levers_cache.confirm(wall=time.time() - 40)
    assert guard.levers.stale_policy is StalePolicy.safe_mode
    with guard.call(input="q") as call:
        pass
    assert call.decision is Decision.safe_mode
    guard.close()


def test_a_server_stale_after_shorter_than_two_keepalives_is_raised_to_that_floor(
    caplog: pytest.LogCaptureFixture,
) -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT)
    guard.levers_cache.apply(
        [state(environment="*", revision=1, stale_policy="safe_mode", stale_after_s=2)],
        confirm=False,
    )
    guard.levers_cache.confirm(wall=time.time() - 7)  # one keep-alive late: still healthy
    with guard.call(input="q") as call:
        pass
    assert call.decision is Decision.proceed
    assert "stale_after_s=2 is shorter than two lever confirmations" in caplog.text
    guard.levers_cache.confirm(wall=time.time() - 11)  # two missed: stale
    with guard.call(input="q") as call:
        pass
    assert call.decision is Decision.safe_mode
    guard.close()


def test_keep_last_keeps_the_last_state_however_old() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT, stale_policy="keep_last", stale_after_s=10)
    guard.levers_cache.apply([state(revision=2, reroute_model="small")], confirm=False)
    guard.levers_cache.confirm(wall=time.time() - 3600)
    with guard.call(input="q") as call:
        pass
    assert (call.decision, call.model) == (Decision.reroute, "small")
    guard.close()
