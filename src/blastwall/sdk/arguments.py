"""Checks on what a Guard is built and configured with; each refusal says what to pass."""

from __future__ import annotations

import os
import re

from blastwall.sdk.enums import StalePolicy
from blastwall.sdk.errors import GuardConfigError

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
