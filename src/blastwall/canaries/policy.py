"""Which canary targets an administrator allows: http hosts and python callables (D3).

A canary target runs inside the server with the server's network and privileges, and a
viewer reads every answer in the run results.  So a commander may only aim canaries where
an administrator has said they may go: ``BLASTWALL_CANARY_HTTP_HOSTS`` for http targets,
``BLASTWALL_CANARY_PYTHON_TARGETS`` for python callables.  A setting rather than an
entry-point group: installing a package must not silently widen what canaries may call,
and the allow-list sits beside the server's other settings where it is reviewed.

The policy is checked when a target is stored (API and ``blastwall apply``) and again on
every call (settings may have changed since), including each redirect an http target
answers with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

import httpx

from blastwall.config import HTTP_HOST_ENTRY as _ENTRY
from blastwall.config import Settings, get_settings

HTTP_SETTING = "BLASTWALL_CANARY_HTTP_HOSTS"
PYTHON_SETTING = "BLASTWALL_CANARY_PYTHON_TARGETS"


@dataclass(frozen=True)
class TargetPolicy:
    """The allow-lists, as read from the server settings."""

    http_hosts: tuple[str, ...] = ()
    python_targets: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: Settings | None = None) -> TargetPolicy:
        """The policy of ``settings`` (default: the process's ``BLASTWALL_*`` settings)."""
        settings = settings or get_settings()
        return cls(
            tuple(h.strip().lower().rstrip(".") for h in settings.canary_http_hosts),
            tuple(p.strip() for p in settings.canary_python_targets),
        )

    def url_problem(self, url: str | httpx.URL) -> str | None:
        """Why an http target may not call ``url``, or None when its host is allowed."""
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        except httpx.InvalidURL as exc:
            return f"{str(url)!r} is not a valid URL ({exc})"
        # httpx's own parse: the host checked is exactly the host the client connects to.
        host, port = (
            parsed.host.lower().rstrip("."),
            parsed.port or _DEFAULT_PORTS.get(parsed.scheme),
        )
        if _host_allowed(host, port, self.http_hosts):
            return None
        wanted = host if parsed.port is None else f"{host}:{parsed.port}"
        allowed = _listing(self.http_hosts)
        return (
            f"host {wanted!r} is not allowed for http canary targets ({HTTP_SETTING} "
            f"allows {allowed}); an administrator can allow it by adding {wanted!r} to "
            f"{HTTP_SETTING} in the server's environment and restarting the server"
        )

    def callable_problem(self, path: str) -> str | None:
        """Why a python target may not call ``path`` ('module:function'), or None."""
        if any(fnmatchcase(path, pattern) for pattern in self.python_targets):
            return None
        return (
            f"{path!r} is not allowed for python canary targets ({PYTHON_SETTING} allows "
            f"{_listing(self.python_targets)}); an administrator can allow it by adding "
            f"{path!r} (or a pattern such as 'package.*:*') to {PYTHON_SETTING} in the "
            "server's environment and restarting the server"
        )


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_allowed(host: str, port: int | None, allowed: Sequence[str]) -> bool:
    for entry in allowed:
        match = _ENTRY.fullmatch(entry)
        if match is None:
            continue  # the settings refuse such an entry; never let one widen the list
        name, entry_port = match["host"].strip("[]"), match["port"]
        if entry_port is not None and int(entry_port) != port:
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]):
                return True
        elif host == name:
            return True
    return False


def _listing(values: Sequence[str]) -> str:
    return "nothing" if not values else "only " + ", ".join(repr(v) for v in values)
