"""Complete a release before it is used: fetch large surfaces by hash, check every hash.

Runs on the follower's thread, never in a guarded call. A surface whose content does not
match its hash is refused with the whole release (the last good one stays in force); a
fetch that fails for a network reason is retried later.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import httpx

from blastwall.sdk.release.state import WireRelease, WireSurface, safe_hash


class ContentUnavailable(Exception):
    """A large surface could not be fetched now (network, server error); try again later."""


class ContentRefused(Exception):
    """Content that does not match its hash, or a server that answers with nonsense."""


class ContentFetcher:
    """Fetches surface content by hash, keeping the last ``max_cached`` contents in memory."""

    def __init__(self, client: httpx.Client, system: str, *, max_cached: int = 64) -> None:
        self.client = client
        self.system = system
        self.max_cached = max_cached
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def remember(self, release: WireRelease | None) -> None:
        """Seed the cache with a verified release's contents (a restart, a rollback)."""
        if release is None:
            return
        for surface in release.surfaces.values():
            if surface.content is not None:
                self._keep(surface.hash, surface.content)

    def complete(self, release: WireRelease) -> WireRelease:
        """``release`` with every surface's content present and matching its hash."""
        bad = release.mismatched()
        if bad:
            raise ContentRefused(
                f"surface(s) {', '.join(sorted(bad))} of release {release.release}: "
                "content does not match its sha256"
            )
        missing = release.missing()
        if not missing:
            return release
        surfaces = dict(release.surfaces)
        for name in missing:
            surface = surfaces[name]
            surfaces[name] = surface.model_copy(update={"content": self._content(name, surface)})
        return release.model_copy(update={"surfaces": surfaces})

    def _content(self, name: str, surface: WireSurface) -> dict[str, Any]:
        cached = self._cache.get(surface.hash)
        if cached is not None:
            self._cache.move_to_end(surface.hash)
            return cached
        path = f"/systems/{self.system}/surfaces/{name}/content/{surface.hash}"
        try:
            response = self.client.get(path)
        except httpx.HTTPError as exc:
            raise ContentUnavailable(f"GET {path} failed: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise ContentUnavailable(f"GET {path} answered {response.status_code}")
        try:
            content = response.json()["content"]
        except (ValueError, KeyError, TypeError):
            raise ContentRefused(f"GET {path} did not answer a surface version") from None
        if not isinstance(content, dict) or safe_hash(content) != surface.hash:
            raise ContentRefused(
                f"surface {name} (fetched by hash): content does not match its "
                f"sha256 {surface.hash[:12]}..."
            )
        self._keep(surface.hash, content)
        return content

    def _keep(self, digest: str, content: dict[str, Any]) -> None:
        self._cache[digest] = content
        self._cache.move_to_end(digest)
        while len(self._cache) > self.max_cached:
            self._cache.popitem(last=False)
