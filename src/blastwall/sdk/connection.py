"""The Guard's link to the server: an API client and a lever follower on its own client."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.follower import LeverFollower
from blastwall.sdk.transport import make_client


def connect(
    server: str,
    token: str | None,
    cache: LeverCache,
    *,
    poll_interval_s: float,
    use_stream: bool,
    transport: httpx.BaseTransport | None,
) -> tuple[httpx.Client, LeverFollower]:
    """The client for events and approvals, and a follower that keeps ``cache`` current."""
    client = make_client(
        server, token, timeout=httpx.Timeout(5.0, connect=2.0), transport=transport
    )
    stream_client = make_client(
        server,
        token,
        # Keep-alives come every few seconds; three missed means the stream is dead.
        timeout=httpx.Timeout(5.0, connect=2.0, read=15.0),
        transport=transport,
    )
    follower = LeverFollower(
        cache, stream_client, poll_interval_s=poll_interval_s, use_stream=use_stream
    )
    return client, follower


def startup_sync(follower: LeverFollower, timeout_s: float) -> None:
    """One poll, bounded by ``timeout_s``, so the first calls see the server's levers."""
    with _timeout(follower.client, timeout_s):
        follower.poll()


@contextlib.contextmanager
def _timeout(client: httpx.Client, seconds: float) -> Iterator[None]:
    previous = client.timeout
    client.timeout = httpx.Timeout(seconds)
    try:
        yield
    finally:
        client.timeout = previous
