"""Lever state as the server sends it, and the effective levers one Guard obeys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from blastwall.sdk.enums import StalePolicy
from blastwall.sdk.filters.lever import LeverBlock

ALL_ENVIRONMENTS = "*"


class WireLeverState(BaseModel):
    """One LeverStateRead from GET /levers or the stream; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    system: str = Field(min_length=1, max_length=200)
    environment: str = Field(min_length=1, max_length=200)
    killed: bool = False
    human_fallback: bool = False
    safe_mode: bool = False
    reroute_model: str | None = None
    filters: tuple[str, ...] = ()
    filter_terms: tuple[str, ...] = ()
    filter_patterns: tuple[str, ...] = ()
    filter_stage: str = "both"
    disabled_tools: tuple[str, ...] = ()
    retrieval_sources: tuple[str, ...] | None = None
    revision: int = Field(ge=0)
    updated_by: str | None = None
    stale_policy: StalePolicy = StalePolicy.keep_last
    stale_after_s: float | None = Field(default=None, gt=0)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class WireModelKill(BaseModel):
    """One ModelKillRead: calls to a model starting with ``prefix`` stop in every system."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    prefix: str = Field(min_length=1, max_length=200)
    killed: bool
    revision: int = Field(ge=0)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def model_killed(model: str | None, prefixes: tuple[str, ...]) -> str | None:
    """The killed prefix ``model`` starts with, or None.

    >>> model_killed("gpt-4o-2024-08-06", ("claude-2", "gpt-4o-2024"))
    'gpt-4o-2024'
    >>> model_killed("gpt-4o-mini", ("gpt-4o-2024",)) is None
    True
    """
    if model is None:
        return None
    return next((p for p in prefixes if model.startswith(p)), None)


@dataclass(frozen=True, slots=True)
class Levers:
    """The levers in force for one (system, environment): immutable, read on every call."""

    killed: bool = False
    human_fallback: bool = False
    safe_mode: bool = False
    reroute_model: str | None = None
    filters: tuple[str, ...] = ()
    # Terms and patterns the lever itself carries, one block per lever state ('*' and env).
    blocks: tuple[LeverBlock, ...] = ()
    disabled_tools: frozenset[str] = frozenset()
    retrieval_sources: frozenset[str] | None = None
    revision: int = 0
    stale_policy: StalePolicy | None = None
    stale_after_s: float | None = None
    # Precomputed so the hot path tests one attribute when nothing is pulled.
    active: bool = False
    # Precomputed: some filter is switched on by name or carried by the lever.
    filtering: bool = False

    @classmethod
    def build(cls, **values: Any) -> Levers:
        """Levers with ``active`` computed from the others (use this, not the constructor)."""
        draft = cls(**values)
        active = (
            draft.killed
            or draft.human_fallback
            or draft.safe_mode
            or draft.reroute_model is not None
            or bool(draft.filters)
            or bool(draft.blocks)
            or bool(draft.disabled_tools)
            or draft.retrieval_sources is not None
        )
        filtering = bool(draft.filters) or bool(draft.blocks)
        return cls(**{**values, "active": active, "filtering": filtering})


NORMAL = Levers()


def merge(everywhere: WireLeverState | None, here: WireLeverState | None) -> Levers:
    """Combine the '*' state with the environment's own: the stricter setting of each lever wins."""
    states = [s for s in (everywhere, here) if s is not None]
    if not states:
        return NORMAL
    sources: frozenset[str] | None = None
    for state in states:
        if state.retrieval_sources is not None:
            narrowed = frozenset(state.retrieval_sources)
            sources = narrowed if sources is None else sources & narrowed
    filters: list[str] = []
    for state in states:
        filters.extend(f for f in state.filters if f not in filters)
    blocks = tuple(
        LeverBlock(tuple(s.filter_terms), tuple(s.filter_patterns), s.filter_stage)
        for s in states
        if s.filter_terms or s.filter_patterns
    )
    # The environment's own reroute target is more specific than the one for every environment.
    reroute = next((s.reroute_model for s in reversed(states) if s.reroute_model), None)
    # System-level policy is the same on both rows; take it from whichever row we have.
    newest = max(states, key=lambda s: s.revision)
    return Levers.build(
        killed=any(s.killed for s in states),
        human_fallback=any(s.human_fallback for s in states),
        safe_mode=any(s.safe_mode for s in states),
        reroute_model=reroute,
        filters=tuple(filters),
        blocks=blocks,
        disabled_tools=frozenset(t for s in states for t in s.disabled_tools),
        retrieval_sources=sources,
        revision=newest.revision,
        stale_policy=newest.stale_policy,
        stale_after_s=newest.stale_after_s,
    )
