"""Checks on what a Guard is built and configured with; each refusal says what to pass."""

from __future__ import annotations

import os
import re

from blastwall.sdk.enums import StalePolicy
from blastwall.sdk.errors import GuardConfigError

# The server's default lever_stream_heartbeat_s: a keep-alive on the lever stream this often.
DEFAULT_KEEPALIVE_S = 5.0

SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
ENVIRONMENT = re.compile(r"[a-z0-9][a-z0-9._-]{0,49}")


def check_names(system: object, environment: object) -> None:
    if not isinstance(system, str) or not SLUG.fullmatch(system):
        raise GuardConfigError(
            f"system={system!r} is not a system name: use the registry's lower-case "
            "name, e.g. 'refund-classifier' (letters, digits, '.', '_', '-')"
        )
    if not isinstance(environment, str) or not ENVIRONMENT.fullmatch(environment):
        raise GuardConfigError(
            f"environment={environment!r}: name the one environment this process runs "
            "in as a lower-case slug of at most 50 characters, e.g. 'production'"
        )


def check_positive(**values: float) -> None:
    for label, value in values.items():
        if not value > 0:
            raise GuardConfigError(f"{label}={value!r} must be greater than 0")


def min_stale_after_s(keepalive_s: float, poll_interval_s: float) -> float:
    """Two confirmation intervals (keep-alive or poll): one late one is not an outage."""
    return 2 * max(keepalive_s, poll_interval_s)


def check_stale_after(stale_after_s: float | None, poll_interval_s: float) -> None:
    """Refuse a staleness limit that a healthy connection cannot meet."""
    if stale_after_s is None:
        return
    floor = min_stale_after_s(DEFAULT_KEEPALIVE_S, poll_interval_s)
    if stale_after_s < floor:
        raise GuardConfigError(
            f"stale_after_s={stale_after_s!r} is shorter than two lever confirmations: the "
            f"server confirms the levers with a keep-alive every {DEFAULT_KEEPALIVE_S:g} s "
            "(its lever_stream_heartbeat_s setting) or, when polling, every "
            f"poll_interval_s={poll_interval_s:g} s, so a healthy app would fall into safe "
            f"mode between two of them. Use stale_after_s={floor:g} or more."
        )


def stale_policy(value: StalePolicy | str | None) -> StalePolicy | None:
    try:
        return None if value is None else StalePolicy(value)
    except ValueError:
        raise GuardConfigError(f"stale_policy={value!r}: use 'keep_last' or 'safe_mode'") from None


def server_url(server: str | None) -> str:
    server = os.environ.get("BLASTWALL_SERVER", "") if server is None else server
    if server and not server.startswith(("http://", "https://")):
        raise GuardConfigError(
            f"server={server!r} must be the server's URL, e.g. 'http://blastwall:7300'"
        )
    return server
