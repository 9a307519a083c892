"""A call larger than the server's per-event caps is trimmed by the SDK, never refused."""

from __future__ import annotations

from blastwall import testing
from blastwall.sdk import event_caps
from blastwall.sdk.event_caps import CUT_KEY, fit, size
from blastwall.sdk.events import call_events
from blastwall.traces import events as server


def test_the_sdk_caps_are_the_servers() -> None:
    assert (
        event_caps.MAX_ATTRIBUTES_BYTES,
        event_caps.MAX_TOOL_CALLS_BYTES,
        event_caps.MAX_SURFACES_BYTES,
        event_caps.MAX_ACTIONS_BYTES,
        event_caps.MAX_ITEMS,
        event_caps.MAX_LEVERS,
    ) == (
        server.MAX_ATTRIBUTES_BYTES,
        server.MAX_TOOL_CALLS_BYTES,
        server.MAX_SURFACES_BYTES,
        server.MAX_ACTIONS_BYTES,
        server.MAX_ITEMS,
        server.MAX_LEVERS,
    )


def test_an_oversized_call_is_trimmed_to_an_event_the_server_accepts() -> None:
    guard = testing.offline_guard()
    with guard.call(input="refund please", user_id="u-1") as call:
        for i in range(120):
            call.record_tool(f"lookup-{i}", {"q": "x" * 2_000}, {"doc": "y" * 3_000})
        for i in range(300):
            call.set_attribute(f"k{i:03}", "v" * 100)
        call.set_output("done")
    [event] = call_events(call)
    guard.close()

    assert len(event["tool_calls"]) == 100
    assert [t["name"] for t in event["tool_calls"][:2]] == ["lookup-0", "lookup-1"]
    assert size(event["tool_calls"]) <= server.MAX_TOOL_CALLS_BYTES
    # Every result goes before any argument: results are the larger and the less telling.
    assert all(t["result"] == "[CUT 3010 BYTES]" for t in event["tool_calls"])
    # Then the largest arguments (ties: the first), until the list fits.
    arguments = [t["arguments"] for t in event["tool_calls"]]
    assert arguments[0] == {CUT_KEY: "[CUT 2008 BYTES]"}
    assert sum(a == {"q": "x" * 2_000} for a in arguments) == 26
    assert arguments[-1] == {"q": "x" * 2_000}
    attributes = event["attributes"]
    assert attributes[CUT_KEY] == "153 of 300 entries left out (over the per-event cap)"
    assert list(attributes)[:3] == ["k000", "k001", "k002"]
    assert len(attributes) == 148  # 147 entries of 110 bytes fit under 16 KiB less the margin
    assert size(attributes) <= server.MAX_ATTRIBUTES_BYTES
    accepted = server.CallEvent.model_validate(event)
    assert (accepted.output, len(accepted.tool_calls)) == ("done", 100)


def test_a_call_within_the_caps_is_left_exactly_as_built() -> None:
    event = {
        "tool_calls": [{"name": "t", "arguments": {"a": 1}, "result": "r", "status": "ok"}],
        "actions": [],
        "attributes": {"tenant": "acme"},
        "surfaces": {"prompt": 3},
        "retrieved": [{"id": "d1", "source": "kb", "score": 0.5}],
        "filters": [],
        "levers": [],
    }
    before = repr(event)
    assert repr(fit(event)) == before
