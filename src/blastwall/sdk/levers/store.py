"""Lever state on disk, so a restarted process honours a kill before it reaches the server."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from blastwall.sdk.levers.state import WireLeverState, WireModelKill
from blastwall.sdk.release.state import WireRelease

FORMAT = 1
log = logging.getLogger("blastwall.sdk")


@dataclass(frozen=True)
class Saved:
    states: list[WireLeverState]
    confirmed_wall: float | None
    release: WireRelease | None = None
    model_kills: tuple[WireModelKill, ...] = ()


def default_dir() -> Path:
    """$BLASTWALL_SDK_STATE_DIR, else $XDG_CACHE_HOME/blastwall, else ~/.cache/blastwall."""
    explicit = os.environ.get("BLASTWALL_SDK_STATE_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "blastwall"


def file_name(system: str, environment: str, server: str | None) -> str:
    """A file per (server, system, environment); the hash keeps odd names apart and legal."""
    digest = hashlib.sha256(f"{server}\n{system}\n{environment}".encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{system}-{environment}")[:80]
    return f"levers-{safe}-{digest}.json"


def save(
    path: Path,
    states: list[WireLeverState],
    confirmed_wall: float | None,
    release: WireRelease | None = None,
    model_kills: list[WireModelKill] | None = None,
) -> None:
    """Write atomically: a reader (or a crash) sees the old file or the new one, never half."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "confirmed_at": confirmed_wall,
        "states": [s.to_json() for s in states],
        # The release in force, with its content: a restart runs it before the network.
        "release": None if release is None else release.to_json(),
        # Model-family kills: a restart refuses a killed model before reaching the server.
        "model_kills": [k.to_json() for k in model_kills or []],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".levers-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> Saved | None:
    """The saved state, or None when the file is missing or unreadable (never raises)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning(
            "blastwall: cannot read lever state file %s (%s); starting without it", path, exc
        )
        return None
    try:
        body = json.loads(raw)
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValueError(f"expected an object with format {FORMAT}")
        confirmed = body.get("confirmed_at")
        if confirmed is not None and not isinstance(confirmed, int | float):
            raise ValueError("confirmed_at is not a number")
        states = [WireLeverState.model_validate(s) for s in body["states"]]
        kills = tuple(WireModelKill.model_validate(k) for k in body.get("model_kills") or [])
        raw_release = body.get("release")
        release = None if raw_release is None else WireRelease.model_validate(raw_release)
        if release is not None and (release.missing() or release.mismatched()):
            raise ValueError("the saved release does not match its hashes")
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        # All or nothing: a half-trusted file could hide a kill, so ignore it and say so.
        log.warning(
            "blastwall: lever state file %s is corrupt (%s); ignoring it until the server "
            "sends the current state",
            path,
            str(exc).splitlines()[0][:200],
        )
        return None
    return Saved(
        states=states,
        confirmed_wall=None if confirmed is None else float(confirmed),
        release=release,
        model_kills=kills,
    )
