"""API shapes of triage: the tree with where an incident stands in it, and an answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from blastwall.inputs import NON_BLANK, Input, trim_non_blank
from blastwall.triage.service import State

_Short = Annotated[
    str,
    Field(min_length=1, max_length=500, json_schema_extra=NON_BLANK),
    AfterValidator(trim_non_blank),
]


class TriageAnswer(Input):
    """Answer one question of the incident's triage tree."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "refunds", "answer": "yes"}]}
    )

    question: _Short = Field(description="The question's id: the one asked now, or an earlier one.")
    answer: _Short = Field(description="One of the question's answers (any letter case).")


class StepRead(BaseModel):
    question: str = Field(description="The question's id.")
    text: str
    answer: str
    at: datetime
    actor: str


class TriageRead(BaseModel):
    """The tree, the answers on its path, and the question asked now or the outcome."""

    incident_id: int
    system: str
    questions: list[dict[str, Any]] = Field(description="The tree, as blastwall.yaml gives it.")
    answers: list[StepRead]
    current: dict[str, Any] | None = Field(description="The question asked now; null at the end.")
    outcome: dict[str, Any] | None = Field(
        description="Where the answers led: surface, team, levers (each with its command), note."
    )

    @classmethod
    def of(cls, state: State) -> TriageRead:
        return cls(
            incident_id=state.incident_id,
            system=state.system,
            questions=state.questions,
            answers=[StepRead(**vars(step)) for step in state.answers],
            current=state.current,
            outcome=state.outcome,
        )
