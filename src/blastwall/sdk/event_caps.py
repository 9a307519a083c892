"""Fit a call event into the server's per-event caps, so a large call is trimmed, not lost.

The server refuses an event over a cap (docs/traces.md, "Caps"); the SDK builds its
events in the exporter thread, so trimming here costs the guarded call nothing. What is
cut is marked, and the call itself (decision, outcome, actions fired) always arrives.
The numbers mirror ``blastwall.traces.events``; a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any

MAX_ATTRIBUTES_BYTES = 16 * 1024
MAX_TOOL_CALLS_BYTES = 64 * 1024
MAX_SURFACES_BYTES = 8 * 1024
MAX_ACTIONS_BYTES = 16 * 1024
MAX_ITEMS = 100
MAX_LEVERS = 20
MAX_REF = 1_000
CUT_KEY = "blastwall.cut"
"""The attribute that says what was left out of ``attributes`` and ``surfaces``."""
_MARGIN = 200  # room for the cut marker itself


def size(value: Any) -> int:
    """Bytes of ``value`` as the server measures it: compact UTF-8 JSON."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _marker(dropped: int, total: int) -> str:
    return f"{dropped} of {total} entries left out (over the per-event cap)"


def _fit_mapping(value: dict[str, Any], limit: int) -> dict[str, Any]:
    """Keep entries in order while they fit; name how many were left out."""
    if size(value) <= limit:
        return value
    kept: dict[str, Any] = {}
    used = 2
    for key, item in value.items():
        cost = size({key: item}) - 1  # the braces are counted once
        if used + cost > limit - _MARGIN:
            continue
        kept[key] = item
        used += cost
    kept[CUT_KEY] = _marker(len(value) - len(kept), len(value))
    return kept


def _cut_value(field: str, value: Any) -> Any:
    marker = f"[CUT {size(value)} BYTES]"
    return {CUT_KEY: marker} if field == "arguments" else marker  # arguments stay an object


def _fit_tool_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace the largest results, then arguments, by a marker until the list fits."""
    calls = [dict(c) for c in calls[:MAX_ITEMS]]
    for field in ("result", "arguments"):
        if size(calls) <= MAX_TOOL_CALLS_BYTES:
            break
        order = sorted(range(len(calls)), key=lambda i: size(calls[i].get(field)), reverse=True)
        for index in order:
            if size(calls) <= MAX_TOOL_CALLS_BYTES:
                break
            calls[index][field] = _cut_value(field, calls[index].get(field))
    return calls


def _fit_actions(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    actions = [dict(a) for a in actions[:MAX_ITEMS]]
    if size(actions) > MAX_ACTIONS_BYTES:
        for action in actions:
            reason = action.get("reason")
            if isinstance(reason, str) and len(reason) > 100:
                action["reason"] = reason[:100] + "[CUT]"
    while size(actions) > MAX_ACTIONS_BYTES:  # only with ~100 actions of very long names
        actions.pop()
    return actions


def fit(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` (a call event) within every cap; unchanged when it already fits."""
    event["retrieved"] = [
        {**d, "id": str(d["id"])[:MAX_REF], "source": str(d["source"])[:MAX_REF]}
        if len(str(d.get("id"))) > MAX_REF or len(str(d.get("source"))) > MAX_REF
        else d
        for d in event.get("retrieved", [])[:MAX_ITEMS]
    ]
    event["filters"] = event.get("filters", [])[:MAX_ITEMS]
    event["levers"] = event.get("levers", [])[:MAX_LEVERS]
    if len(event.get("surfaces", {})) > MAX_ITEMS or size(event.get("surfaces", {})) > (
        MAX_SURFACES_BYTES
    ):
        surfaces = dict(list(event["surfaces"].items())[: MAX_ITEMS - 1])
        event["surfaces"] = {
            k: v for k, v in _fit_mapping(surfaces, MAX_SURFACES_BYTES).items() if k != CUT_KEY
        }
    tool_calls = event.get("tool_calls", [])
    if len(tool_calls) > MAX_ITEMS or size(tool_calls) > MAX_TOOL_CALLS_BYTES:
        event["tool_calls"] = _fit_tool_calls(tool_calls)
    actions = event.get("actions", [])
    if len(actions) > MAX_ITEMS or size(actions) > MAX_ACTIONS_BYTES:
        event["actions"] = _fit_actions(actions)
    event["attributes"] = _fit_mapping(event.get("attributes", {}), MAX_ATTRIBUTES_BYTES)
    return event
