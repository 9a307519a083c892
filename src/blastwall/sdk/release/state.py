"""The release in force as the server sends it, and the immutable form calls read.

A release names one version of each surface (model, prompt, retrieval, config). The SDK
receives it on the lever stream (event ``release``) or ``GET /levers`` and keeps the last
one whose every surface matched its hash, across restarts (the lever state file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MODEL, PROMPT, RETRIEVAL, CONFIG = "model", "prompt", "retrieval", "config"


def canonical_hash(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces): the registry's content hash.

    >>> canonical_hash({"model": "m-1"})[:12]
    '019068c95b70'
    """
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class WireSurface(BaseModel):
    """One surface of the release; ``content`` is None when it is to be fetched by hash."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str = Field(min_length=1, max_length=20)
    version: int = Field(ge=0)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(default=0, ge=0)
    content: dict[str, Any] | None = None


class WireRelease(BaseModel):
    """One registry ReleaseState: the release in force in one (system, environment)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    system: str = Field(min_length=1, max_length=200)
    environment: str = Field(min_length=1, max_length=200)
    release: str = Field(min_length=1, max_length=200)
    revision: int = Field(ge=0)
    surfaces: dict[str, WireSurface]

    def missing(self) -> list[str]:
        """Surfaces sent without content (too large for the stream)."""
        return [name for name, s in self.surfaces.items() if s.content is None]

    def mismatched(self) -> list[str]:
        """Surfaces whose content does not hash to the hash the server stated."""
        return [
            name
            for name, s in self.surfaces.items()
            if s.content is not None and safe_hash(s.content) != s.hash
        ]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def safe_hash(content: Mapping[str, Any]) -> str | None:
    try:
        return canonical_hash(content)
    except (TypeError, ValueError):  # NaN or a non-JSON value: matches no hash
        return None


def surface_value(kind: str, content: Mapping[str, Any]) -> Any:
    """What ``call.surface(name)`` returns: the model id, the prompt template text, the
    retrieval sources, or the configuration mapping; the whole content when the usual
    key (``model``, ``template``, ``sources``) is absent."""
    if kind == MODEL and isinstance(content.get("model"), str):
        return content["model"]
    if kind == PROMPT and isinstance(content.get("template"), str):
        return content["template"]
    if kind == RETRIEVAL and isinstance(content.get("sources"), list):
        return tuple(content["sources"])
    return MappingProxyType(dict(content))


@dataclass(frozen=True, slots=True)
class ActiveRelease:
    """The release in force, precomputed so a guarded call reads it in a few lookups."""

    name: str
    revision: int
    kinds: Mapping[str, str]
    contents: Mapping[str, Mapping[str, Any]]
    values: Mapping[str, Any]
    versions: Mapping[str, int]
    # Model surface name -> model id, plus None -> the model of the only model surface.
    models: Mapping[str | None, str] = field(default_factory=dict)
    prompt: str | None = None
    config: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, wire: WireRelease) -> ActiveRelease:
        """Build from a release whose every surface has its (verified) content."""
        kinds = {name: s.kind for name, s in sorted(wire.surfaces.items())}
        contents = {
            name: MappingProxyType(dict(s.content or {}))
            for name, s in sorted(wire.surfaces.items())
        }
        values = {name: surface_value(kinds[name], c) for name, c in contents.items()}
        models: dict[str | None, str] = {
            name: value
            for name, value in values.items()
            if kinds[name] == MODEL and isinstance(value, str)
        }
        if len(models) == 1:
            models[None] = next(iter(models.values()))
        return cls(
            name=wire.release,
            revision=wire.revision,
            kinds=MappingProxyType(kinds),
            contents=MappingProxyType(contents),
            values=MappingProxyType(values),
            versions=MappingProxyType({n: s.version for n, s in sorted(wire.surfaces.items())}),
            models=MappingProxyType(models),
            prompt=_only(kinds, values, PROMPT, str),
            config=_only(kinds, values, CONFIG, Mapping),
        )


def _only(kinds: Mapping[str, str], values: Mapping[str, Any], kind: str, of: type) -> Any:
    """The value of the release's only surface of ``kind``; None when none or several."""
    found = [values[name] for name, k in kinds.items() if k == kind]
    return found[0] if len(found) == 1 and isinstance(found[0], of) else None
