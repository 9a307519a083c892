"""API shapes of config as code: the apply request and the plan it answers with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.plan import Plan
from blastwall.inputs import Input


class ApplyRequest(Input):
    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any] = Field(
        description="The parsed blastwall.yaml as JSON (`blastwall apply` sends it)."
    )
    dry_run: bool = Field(False, description="Only compute the plan; change nothing.")


class PlanStepRead(BaseModel):
    action: PlanAction
    kind: PlanKind
    name: str = Field(description="e.g. support-agent, support-agent/issue_refund.")
    changes: dict[str, tuple[Any, Any]] = Field(description="field: [before, after]")


class ApplyResult(BaseModel):
    plan: list[PlanStepRead]
    applied: bool = Field(description="False for a dry run; true once the plan was carried out.")
    summary: str = Field(description="e.g. '3 to create, 1 to update, 0 to delete, 9 unchanged'.")

    @classmethod
    def of(cls, plan: Plan, *, applied: bool) -> ApplyResult:
        steps = [PlanStepRead.model_validate(step) for step in plan.as_list()]
        return cls(plan=steps, applied=applied, summary=plan.summary())
