"""The blast radius of an incident, as the API, CLI, notices, reports and postmortems read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TraceExample(BaseModel):
    """One affected trace to show a reader what the incident looked like."""

    trace_id: str
    at: datetime
    user_id: str | None
    label: str | None
    output: str | None


class ActionCount(BaseModel):
    """How often one downstream action fired in the window."""

    name: str
    reversible: bool
    fired: int


class BlastRadius(BaseModel):
    """Counts over the production traces of the incident's system(s) in its window.

    ``end`` is when the incident was contained (after that, outputs were under a lever), or
    resolved, or now. Canary calls are not counted: no user received them.
    """

    incident_id: int
    systems: list[str]
    start: datetime
    end: datetime
    users: int
    traces: int
    outputs_by_label: dict[str, int] = Field(default_factory=dict)
    reversible_actions: int
    irreversible_actions: int
    actions: list[ActionCount] = Field(default_factory=list)
    examples: list[TraceExample] = Field(default_factory=list)
