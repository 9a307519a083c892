"""Model-family kills in the SDK: the model called (after a reroute) decides; kept on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blastwall import testing
from blastwall.sdk import Decision, Guard
from blastwall.sdk.levers.state import WireLeverState, WireModelKill
from tests.sdk.factories import ENVIRONMENT, SYSTEM, wire_state


def kill(prefix: str, revision: int, *, killed: bool = True) -> WireModelKill:
    return WireModelKill(prefix=prefix, killed=killed, revision=revision)


def decide(guard: Guard, **kw: Any) -> tuple[Decision, str | None]:
    with guard.call(input="q", **kw) as call:
        pass
    return call.decision, call.model


def test_a_killed_prefix_refuses_its_models_and_no_other() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT)
    try:
        assert guard.levers_cache.apply_model_kills([kill("gpt-4o-2024", 3)]) is True
        assert decide(guard, model="gpt-4o-2024-08-06") == (Decision.killed, "gpt-4o-2024-08-06")
        assert decide(guard, model="gpt-4o-mini") == (Decision.proceed, "gpt-4o-mini")
        assert decide(guard) == (Decision.proceed, None)
        # an older revision is ignored; the restore's newer one lifts the kill
        assert guard.levers_cache.apply_model_kills([kill("gpt-4o-2024", 2, killed=False)]) is False
        guard.levers_cache.apply_model_kills([kill("gpt-4o-2024", 4, killed=False)])
        assert decide(guard, model="gpt-4o-2024-08-06") == (Decision.proceed, "gpt-4o-2024-08-06")
    finally:
        guard.close()


def test_the_model_after_a_reroute_is_the_one_checked() -> None:
    guard = testing.offline_guard(SYSTEM, ENVIRONMENT)
    try:
        guard.levers_cache.apply_model_kills([kill("gpt-4o-2024", 5)])
        guard.levers_cache.apply(
            [WireLeverState.model_validate(wire_state(revision=6, reroute_model="small-1"))]
        )
        # the app asked for the killed model, the reroute sends it elsewhere: it runs
        assert decide(guard, model="gpt-4o-2024-08-06") == (Decision.reroute, "small-1")
        guard.levers_cache.apply(
            [WireLeverState.model_validate(wire_state(revision=7, reroute_model="gpt-4o-2024-05"))]
        )
        # rerouted onto the killed family: refused as a kill
        assert decide(guard, model="claude-3") == (Decision.killed, "gpt-4o-2024-05")
    finally:
        guard.close()


def test_a_restarted_process_keeps_the_model_kill_from_its_state_file(tmp_path: Path) -> None:
    path = tmp_path / "levers.json"
    first = testing.offline_guard(SYSTEM, ENVIRONMENT, state_file=path)
    first.levers_cache.apply_model_kills([kill("gpt-4o-2024", 9)])
    first.close()
    second = testing.offline_guard(SYSTEM, ENVIRONMENT, state_file=path)
    try:
        assert second.levers_cache.killed_models == ("gpt-4o-2024",)
        assert decide(second, model="gpt-4o-2024-11-20")[0] is Decision.killed
    finally:
        second.close()
