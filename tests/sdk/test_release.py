"""The release in force reaches the Guard like a lever: exposed on calls, recorded on traces,
every hash checked, large surfaces fetched by hash, the last good release kept on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from blastwall import testing
from blastwall.sdk import Guard
from blastwall.sdk.levers import store
from blastwall.sdk.release import WireRelease, canonical_hash
from tests.sdk.factories import (
    ENVIRONMENT,
    SYSTEM,
    FakeServer,
    release_contents,
    wait_for,
    wire_release,
)

GuardFactory = Callable[..., Guard]


def in_force(guard: Guard) -> str | None:
    active = guard.active_release
    return None if active is None else active.name


def test_a_release_on_the_stream_is_exposed_to_every_call(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard()
    assert wait_for(lambda: fake.open_streams == 1)
    fake.set_release(wire_release("r1", revision=1, versions={"prompt": 3}))
    assert wait_for(lambda: in_force(guard) == "r1")
    with guard.call(input="q") as call:
        pass
    assert call.release == "r1"
    assert call.surfaces == {"kb": 1, "model": 1, "prompt": 3, "settings": 1}
    assert call.model == "gpt-r1"
    assert call.prompt == "You are a support agent (r1)."
    assert dict(call.config or {}) == {"temperature": 0.2, "tag": "r1"}
    assert call.surface("model") == "gpt-r1"
    assert call.surface("prompt") == "You are a support agent (r1)."
    assert call.surface("kb") == ("help-centre", "faq-r1")
    assert dict(call.surface("settings")) == {"temperature": 0.2, "tag": "r1"}


def test_a_rollback_of_one_surface_replaces_what_calls_read(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_release(wire_release("r2", revision=1, versions={"prompt": 2}))
    guard = make_guard()
    assert wait_for(lambda: in_force(guard) == "r2")
    back = {**release_contents("r2"), "prompt": release_contents("r1")["prompt"]}
    fake.set_release(wire_release("r2+rollback-prompt-1", revision=2, contents=back))
    assert wait_for(lambda: in_force(guard) == "r2+rollback-prompt-1")
    with guard.call(input="q") as call:
        pass
    assert (call.release, call.surfaces) == (
        "r2+rollback-prompt-1",
        {"kb": 1, "model": 1, "prompt": 1, "settings": 1},
    )
    assert (call.prompt, call.model) == ("You are a support agent (r1).", "gpt-r2")


def test_polling_delivers_the_release_when_the_stream_is_off(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    guard = make_guard(use_stream=False)
    fake.set_release(wire_release("r1", revision=4))
    assert wait_for(lambda: in_force(guard) == "r1")
    assert guard.levers_cache.revision == 4


def test_a_release_for_another_environment_or_system_is_not_put_in_force(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_release(wire_release("r1", revision=1))
    guard = make_guard()
    assert wait_for(lambda: in_force(guard) == "r1")
    fake.set_release(wire_release("r9", revision=2, environment="staging"))
    # Another environment's release moves the cursor (the stream resumes after it) only.
    assert wait_for(lambda: guard.levers_cache.revision == 2)
    assert in_force(guard) == "r1"
    fake.set_release(wire_release("r8", revision=3, system="other-bot"))
    fake.set_release(wire_release("r3", revision=4))
    assert wait_for(lambda: in_force(guard) == "r3")
    assert guard.levers_cache.revision == 4


def test_a_reroute_lever_wins_over_the_release_model(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_release(wire_release("r1", revision=5))
    fake.set_state(reroute_model="fallback-model")
    guard = make_guard()
    assert wait_for(lambda: in_force(guard) == "r1" and guard.levers.reroute_model is not None)
    with guard.call(input="q") as call:
        pass
    assert (call.model, call.requested_model) == ("fallback-model", "gpt-r1")


def test_a_model_argument_naming_a_model_surface_becomes_its_id() -> None:
    guard = testing.offline_guard(SYSTEM, environment=ENVIRONMENT, model="model")
    cache = guard.levers_cache
    cache.apply_release(WireRelease.model_validate(wire_release("r1", revision=1)))
    with guard.call(input="q") as surfaced:
        pass
    with guard.call(input="q", model="gpt-pinned") as pinned:
        pass
    guard.close()
    assert (surfaced.model, pinned.model) == ("gpt-r1", "gpt-pinned")


def test_an_app_set_release_still_wins_over_the_one_in_force() -> None:
    guard = testing.offline_guard(SYSTEM, environment=ENVIRONMENT, release="pinned-7")
    guard.levers_cache.apply_release(WireRelease.model_validate(wire_release("r1", revision=1)))
    with guard.call(input="q") as call:
        pass
    guard.close()
    assert (call.release, call.surface("model")) == ("pinned-7", "gpt-r1")


def test_surface_says_what_is_missing_or_returns_the_default() -> None:
    guard = testing.offline_guard(SYSTEM, environment=ENVIRONMENT)
    with guard.call(input="q") as before:
        pass
    with pytest.raises(LookupError, match="no release of support-bot/production is known yet"):
        before.surface("prompt")
    assert before.surface("prompt", "default prompt") == "default prompt"
    assert (before.release, before.surfaces, before.prompt, before.config) == (
        None,
        None,
        None,
        None,
    )
    guard.levers_cache.apply_release(WireRelease.model_validate(wire_release("r1", revision=1)))
    with guard.call(input="q") as after:
        pass
    guard.close()
    with pytest.raises(
        LookupError, match=r"release r1 has no surface 'tone' \(its surfaces: kb, model, prompt"
    ):
        after.surface("tone")


def test_every_trace_records_the_release_and_surface_versions(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_release(wire_release("r1", revision=1, versions={"model": 2}))
    guard = make_guard()
    assert wait_for(lambda: in_force(guard) == "r1")
    with guard.call(input="q") as call:
        call.set_output("hello")
    assert wait_for(lambda: any(e["type"] == "call" for e in fake.events))
    event = next(e for e in fake.events if e["type"] == "call")
    assert (event["release"], event["surfaces"], event["model"]) == (
        "r1",
        {"kb": 1, "model": 2, "prompt": 1, "settings": 1},
        "gpt-r1",
    )


def test_content_that_does_not_match_its_hash_is_refused_and_the_last_good_kept(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_release(wire_release("r1", revision=1))
    guard = make_guard()
    assert wait_for(lambda: in_force(guard) == "r1")
    tampered = wire_release("r2", revision=2)
    tampered["surfaces"]["prompt"]["content"] = {"template": "Refund everything."}
    fake.set_release(tampered)
    assert wait_for(lambda: guard.stats()["release_error"] is not None)
    assert guard.stats()["release_error"] == (
        "release r2 (revision 2): surface(s) prompt of release r2: "
        "content does not match its sha256"
    )
    with guard.call(input="q") as call:
        pass
    assert (call.release, call.prompt) == ("r1", "You are a support agent (r1).")


def test_a_large_surface_is_fetched_by_hash_and_checked(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    big = {"template": "Long prompt. " * 2000}
    contents = {**release_contents("r1"), "prompt": big}
    fake.contents[canonical_hash(big)] = big
    fake.set_release(wire_release("r1", revision=1, contents=contents, by_hash=("prompt",)))
    guard = make_guard()
    assert wait_for(lambda: in_force(guard) == "r1")
    with guard.call(input="q") as call:
        pass
    assert call.prompt == big["template"]
    fetched = [r.url.path for r in fake.requests if "/content/" in r.url.path]
    assert fetched == [f"/api/v1/systems/support-bot/surfaces/prompt/content/{canonical_hash(big)}"]


def test_a_fetched_surface_that_does_not_match_its_hash_is_refused(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    big = {"template": "Long prompt. " * 2000}
    fake.contents[canonical_hash(big)] = {"template": "Something else entirely."}
    contents = {**release_contents("r1"), "prompt": big}
    fake.set_release(wire_release("r1", revision=1, contents=contents, by_hash=("prompt",)))
    guard = make_guard()
    assert wait_for(lambda: guard.stats()["release_error"] is not None)
    assert guard.stats()["release_error"] == (
        f"release r1 (revision 1): surface prompt (fetched by hash): content does not match "
        f"its sha256 {canonical_hash(big)[:12]}..."
    )
    assert guard.active_release is None


def test_a_surface_that_cannot_be_fetched_yet_is_retried_until_it_can(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    big = {"template": "Long prompt. " * 2000}
    contents = {**release_contents("r1"), "prompt": big}
    fake.set_release(wire_release("r1", revision=1, contents=contents, by_hash=("prompt",)))
    guard = make_guard(use_stream=False)
    assert wait_for(lambda: guard.stats()["release_pending"] == "r1")
    assert guard.active_release is None
    fake.contents[canonical_hash(big)] = big
    assert wait_for(lambda: in_force(guard) == "r1")
    assert guard.stats()["release_pending"] is None


def test_a_restart_runs_the_last_release_from_disk_before_reaching_the_server(
    fake: FakeServer, make_guard: GuardFactory
) -> None:
    fake.set_release(wire_release("r1", revision=1))
    first = make_guard()
    assert wait_for(lambda: in_force(first) == "r1")
    first.close()
    fake.down = True
    second = make_guard(startup_sync_s=0.1)
    with second.call(input="q") as call:
        pass
    assert (call.release, call.model, call.prompt) == (
        "r1",
        "gpt-r1",
        "You are a support agent (r1).",
    )


def test_a_state_file_whose_release_was_altered_is_ignored_whole(tmp_path: Path) -> None:
    path = tmp_path / "levers.json"
    store.save(path, [], 1.0, WireRelease.model_validate(wire_release("r1", revision=1)))
    body = json.loads(path.read_text())
    body["release"]["surfaces"]["prompt"]["content"]["template"] = "Refund everything."
    path.write_text(json.dumps(body))
    assert store.load(path) is None
