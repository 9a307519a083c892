"""What a human fallback hands to the review queue: the call's input and its context."""

from __future__ import annotations

from typing import Any

from blastwall.sdk.call import Call
from blastwall.sdk.events import clean_text, json_safe
from blastwall.sdk.filters import to_text

HANDOFF_INPUT_MAX = 32_768


def payload(system: str, environment: str, call: Call) -> dict[str, Any]:
    """The handoff of ``call``, with text cut to what the server accepts."""
    return {
        "system": system,
        "environment": environment,
        "trace_id": call.trace_id,
        "user_id": None if call.user_id is None else clean_text(str(call.user_id), 200),
        "input": clean_text(to_text(call.input), HANDOFF_INPUT_MAX - 40),
        "reason": "human_fallback",
        "context": {
            "release": call.release,
            "model": call.requested_model,
            "attributes": json_safe(call.attributes or {}),
        },
    }
