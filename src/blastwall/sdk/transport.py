"""HTTP clients the SDK's background threads use to reach the Blastwall server."""

from __future__ import annotations

import httpx

from blastwall import __version__

API_PREFIX = "/api/v1"


def api_base(server: str) -> str:
    """``http://host:7300`` or ``http://host:7300/api/v1`` -> ``http://host:7300/api/v1``."""
    base = server.rstrip("/")
    return base if base.endswith(API_PREFIX) else base + API_PREFIX


def make_client(
    server: str,
    token: str | None,
    *,
    timeout: httpx.Timeout,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for the server's API with the bearer token and a short default timeout."""
    headers = {"User-Agent": f"blastwall-sdk/{__version__}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(
        base_url=api_base(server),
        headers=headers,
        timeout=timeout,
        transport=transport,
        # Never pick up proxies or credentials from the environment for the control plane
        # silently; users who need a proxy pass their own transport.
        trust_env=False,
    )
