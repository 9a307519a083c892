"""The release in force for the Guard's (system, environment), as the lever stream sends it."""

from blastwall.sdk.release.state import ActiveRelease, WireRelease, WireSurface, canonical_hash

__all__ = ["ActiveRelease", "WireRelease", "WireSurface", "canonical_hash"]
