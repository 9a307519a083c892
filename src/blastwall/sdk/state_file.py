"""The Guard's lever state file: a restart honours the last levers (a kill) before the network."""

from __future__ import annotations

import logging
from pathlib import Path

from blastwall.sdk.levers import store
from blastwall.sdk.levers.cache import LeverCache

log = logging.getLogger("blastwall.sdk")


def state_file_path(
    state_file: Path | str | bool | None, system: str, environment: str, server: str | None
) -> Path | None:
    """Where the levers are kept: the path given, the default one when following a server."""
    if state_file is False:
        return None
    if isinstance(state_file, str | Path):
        return Path(state_file)
    if state_file is None and not server:
        return None  # offline and not asked to: nothing to persist
    return store.default_dir() / store.file_name(system, environment, server)


def restore_levers(cache: LeverCache, path: Path) -> None:
    """Apply the saved levers and release (unconfirmed), keeping when the server last
    confirmed them."""
    saved = store.load(path)
    if saved is not None:
        cache.apply(saved.states, confirm=False)
        cache.apply_model_kills(saved.model_kills, confirm=False)
        if saved.release is not None:
            cache.apply_release(saved.release, confirm=False)
        if saved.confirmed_wall is not None:
            cache.confirm(wall=saved.confirmed_wall)


def save_levers(path: Path, cache: LeverCache) -> None:
    """Write the levers in force; a failed write is logged, never raised into the app."""
    try:
        store.save(
            path, cache.states(), cache.confirmed_wall, cache.release_wire, cache.model_kills()
        )
    except OSError as exc:
        log.warning("blastwall: cannot write lever state file %s (%s)", path, exc)
