"""The in-memory lever state of one Guard: written by the follower, read lock-free by calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from blastwall.sdk.arguments import DEFAULT_KEEPALIVE_S
from blastwall.sdk.levers.state import (
    ALL_ENVIRONMENTS,
    NORMAL,
    Levers,
    WireLeverState,
    WireModelKill,
    merge,
)
from blastwall.sdk.release.state import ActiveRelease, WireRelease


class LeverCache:
    """Lever states of one system; ``levers`` is an immutable snapshot replaced in one store.

    Calls read ``cache.levers`` (one attribute load, atomic in CPython) and never take a
    lock; the follower thread builds a new ``Levers`` and swaps it in. ``release`` is the
    release in force in this environment, kept and swapped the same way.
    """

    def __init__(self, system: str, environment: str) -> None:
        self.system = system
        self.environment = environment
        self.levers: Levers = NORMAL
        self.revision = 0
        # perf_counter() of the last time the server confirmed the state; None = never.
        self.confirmed_at: float | None = None
        # Wall-clock twin of confirmed_at, persisted so a restart knows how old the state is.
        self.confirmed_wall: float | None = None
        self._states: dict[str, WireLeverState] = {}
        # Model-family kills (every system obeys them), and the prefixes in force, read by
        # every call as one attribute: empty when nothing is killed.
        self._model_kills: dict[str, WireModelKill] = {}
        self.killed_models: tuple[str, ...] = ()
        self.release: ActiveRelease | None = None
        self.release_wire: WireRelease | None = None
        # Why the newest release received was refused (a hash mismatch), None when it was not.
        self.release_error: str | None = None
        self._write = threading.Lock()
        self._listeners: list[Callable[[LeverCache], None]] = []
        # Seconds between the server's stream keep-alives, as the server announces them.
        self.keepalive_s = DEFAULT_KEEPALIVE_S
        self.saver: Callable[[LeverCache], None] | None = None
        self.save_every_s = 10.0
        self._saved_at = 0.0

    def on_change(self, listener: Callable[[LeverCache], None]) -> None:
        """Call ``listener(cache)`` on the writer's thread after each change."""
        self._listeners.append(listener)

    def states(self) -> list[WireLeverState]:
        return list(self._states.values())

    def apply(self, states: Iterable[WireLeverState], *, confirm: bool = True) -> bool:
        """Take newer states for this system; return whether the levers in force changed."""
        changed = False
        with self._write:
            for state in states:
                if state.system != self.system:
                    continue
                current = self._states.get(state.environment)
                if current is not None and current.revision >= state.revision:
                    continue
                self._states[state.environment] = state
                self.revision = max(self.revision, state.revision)
                changed = True
            if changed:
                self.levers = merge(
                    self._states.get(ALL_ENVIRONMENTS), self._states.get(self.environment)
                )
        return self._written(changed, confirm=confirm)

    def model_kills(self) -> list[WireModelKill]:
        return list(self._model_kills.values())

    def apply_model_kills(self, kills: Iterable[WireModelKill], *, confirm: bool = True) -> bool:
        """Take newer model-family kills and restores; return whether the ones in force moved."""
        changed = False
        with self._write:
            for kill in kills:
                current = self._model_kills.get(kill.prefix)
                if current is not None and current.revision >= kill.revision:
                    continue
                self._model_kills[kill.prefix] = kill
                self.revision = max(self.revision, kill.revision)
                changed = True
            if changed:
                self.killed_models = tuple(
                    sorted(k.prefix for k in self._model_kills.values() if k.killed)
                )
        return self._written(changed, confirm=confirm)

    def apply_release(self, release: WireRelease, *, confirm: bool = True) -> bool:
        """Take a newer, complete and verified release; return whether the one in force moved.

        A release of another environment only moves the revision cursor, so the stream
        and polling resume after it.
        """
        if release.system != self.system:
            return False
        with self._write:
            current = self.release_wire
            newer = current is None or release.revision > current.revision
            self.revision = max(self.revision, release.revision)
            ours = release.environment == self.environment
            if ours and newer:
                self.release_wire = release
                self.release = ActiveRelease.of(release)
                self.release_error = None
        changed = ours and newer
        return self._written(changed, confirm=confirm)

    def refuse_release(self, release: WireRelease, why: str) -> None:
        """Record a release that failed its checks; the last good one stays in force."""
        with self._write:
            self.revision = max(self.revision, release.revision)
            if release.environment == self.environment:
                self.release_error = (
                    f"release {release.release} (revision {release.revision}): {why}"
                )

    def confirm(self, *, wall: float | None = None) -> None:
        """Record that the server vouched for the state now (or at wall-clock time ``wall``)."""
        self._stamp(wall)
        if self._save_due():
            self._save()

    def _written(self, changed: bool, *, confirm: bool) -> bool:
        """After a write: stamp a confirmation, save when due, tell listeners of a change."""
        if confirm:
            self._stamp()
        if changed or (confirm and self._save_due()):
            self._save()
        if changed:
            for listener in self._listeners:
                listener(self)
        return changed

    def _stamp(self, wall: float | None = None) -> None:
        now_wall = time.time()
        wall = now_wall if wall is None else min(wall, now_wall)
        self.confirmed_wall = wall
        self.confirmed_at = time.perf_counter() - (now_wall - wall)

    def _save_due(self) -> bool:
        return self.saver is not None and time.monotonic() - self._saved_at > self.save_every_s

    def _save(self) -> None:
        """Persist (on the writer's thread); confirmations are saved at most every few seconds."""
        if self.saver is None:
            return
        self._saved_at = time.monotonic()
        self.saver(self)

    def age(self) -> float | None:
        """Seconds since the server last confirmed the state, None if it never did."""
        confirmed = self.confirmed_at
        return None if confirmed is None else time.perf_counter() - confirmed

    def replace(self, levers: Levers) -> None:
        """Force the levers in force (tests and offline use); the follower may overwrite it."""
        self.levers = levers
