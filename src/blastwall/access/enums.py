"""Roles a token can carry, least to most powerful."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    # Lowest, below viewer: a token that may only send alerts (POST /alerts*), nothing else.
    alerts = "alerts"
    viewer = "viewer"
    responder = "responder"
    commander = "commander"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank
