"""Trace ids and the context variables that carry them through threads and asyncio tasks."""

from __future__ import annotations

import re
from contextvars import ContextVar
from random import getrandbits
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from blastwall.sdk.call import Call

HEADER = "X-AI-Trace-Id"
TRACE_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

# The call running in this thread or task (for nested calls and outgoing HTTP headers).
current_call: ContextVar[Call | None] = ContextVar("blastwall_current_call", default=None)
# The trace id of the HTTP request being served (set by the ASGI middleware).
request_trace_id: ContextVar[str | None] = ContextVar("blastwall_request_trace_id", default=None)


def new_trace_id() -> str:
    """32 lowercase hex characters: also a valid W3C / OpenTelemetry trace id."""
    # Trace ids are identifiers, not secrets; getrandbits is ~10x cheaper than os.urandom.
    return f"{getrandbits(128):032x}"


def accept_trace_id(value: object) -> str | None:
    """``value`` if it is a usable incoming trace id, else None (the caller makes a new one)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str) and TRACE_ID_PATTERN.fullmatch(value):
        return value
    return None


def current_trace_id() -> str | None:
    """The trace id of the guarded call or HTTP request in progress here, if any."""
    call = current_call.get()
    if call is not None:
        return call.trace_id
    return request_trace_id.get()
