"""Trace ids and the context variables that carry them through threads and asyncio tasks."""

from __future__ import annotations

import re
import time
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


# One (wall clock, perf counter) pair: a call stores only its perf_counter() start, and its
# wall-clock time is derived when exported. Exporters re-anchor on every flush so a step of
# the wall clock (NTP) is picked up within a second.
_anchor = (time.time(), time.perf_counter())


def wall_time(perf: float) -> float:
    """The wall-clock time (Unix seconds) of a ``time.perf_counter()`` reading."""
    wall, at = _anchor
    return wall + (perf - at)


def reanchor() -> None:
    global _anchor  # noqa: PLW0603 - one process-wide clock pair, swapped in one store
    _anchor = (time.time(), time.perf_counter())


def new_trace_id() -> str:
    """32 lowercase hex characters: also a valid W3C / OpenTelemetry trace id.

    The first 8 are the epoch second (as AWS X-Ray does), the other 24 random: ids then
    arrive nearly in order, so the server's trace-id index grows at its end instead of
    being rewritten at random places on every insert.
    """
    # Trace ids are identifiers, not secrets; getrandbits is ~10x cheaper than os.urandom.
    return f"{int(time.time()) & 0xFFFFFFFF:08x}{getrandbits(96):024x}"


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
