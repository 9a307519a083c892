"""API shapes of drills: starting one, a tabletop step, a run with its measurements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from blastwall.drills.enums import Mode, Scenario
from blastwall.drills.models import DrillRun
from blastwall.inputs import Input

MAX_TIMEOUT_S = 3600


class DrillStart(Input):
    """Start a drill: inject the scenario's fault (live) or walk the runbook (tabletop)."""

    scenario: Scenario
    system: str = Field("support-agent", min_length=1, max_length=100)
    environment: str = Field("prod", min_length=1, max_length=50)
    mode: Mode = Mode.live
    timeout_s: int = Field(
        300, ge=10, le=MAX_TIMEOUT_S, description="The fault is removed after this at most."
    )
    ack_as: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Acknowledge the drill's incident for this person once it opens "
        "(unattended runs); left out, a person acknowledges it.",
    )


class DrillEnd(Input):
    reason: str = Field("drill over", min_length=1, max_length=2000)


class DrillStep(Input):
    """One tabletop step done: which runbook step, and how long it took the responders."""

    step: str = Field(min_length=1, max_length=500)
    seconds: float = Field(ge=0, le=86_400)


class DrillRead(BaseModel):
    """One drill run: what it injected, when, and what it measured from the injection."""

    id: int
    scenario: str
    title: str
    mode: str
    system: str
    environment: str
    status: str
    fault: dict[str, Any]
    ack_as: str | None
    started_at: datetime
    deadline_at: datetime
    ended_at: datetime | None
    end_reason: str
    started_by: str
    measurements: dict[str, Any] = Field(
        description="Seconds from the injection to detect, page, acknowledge and contain; "
        "harmful outputs before containment; verification; and what was missing."
    )
    steps: list[dict[str, Any]]

    @classmethod
    def of(cls, run: DrillRun, measurements: dict[str, Any], title: str) -> DrillRead:
        return cls(
            id=run.id,
            scenario=run.scenario,
            title=title,
            mode=run.mode,
            system=run.system,
            environment=run.environment,
            status=run.status,
            fault=run.fault,
            ack_as=run.ack_as,
            started_at=run.started_at,
            deadline_at=run.deadline_at,
            ended_at=run.ended_at,
            end_reason=run.end_reason,
            started_by=run.started_by,
            measurements=measurements,
            steps=run.steps,
        )


class ScenarioRead(BaseModel):
    name: str
    title: str
    expected_monitor: str
    harm_signature: str
    through: str = Field(description="demo (a fault in the demo process) or registry.")


class FaultsRead(BaseModel):
    """The faults the demo of a system applies now: those of its running live drills."""

    system: str
    environment: str
    runs: list[int]
    faults: dict[str, Any]
