"""The SDK's lever state: in-memory snapshot, server follower, and the state file on disk."""

from blastwall.sdk.levers.cache import LeverCache
from blastwall.sdk.levers.follower import LeverFollower
from blastwall.sdk.levers.state import NORMAL, Levers, WireLeverState, merge

__all__ = ["NORMAL", "LeverCache", "LeverFollower", "Levers", "WireLeverState", "merge"]
