"""The ``triage`` section of ``blastwall.yaml``: one tree of questions per system.

Each answer leads either to another question (``next``) or to an ``outcome``: the suspected
surface, the owning team and the levers to pull. The first question of a tree is asked
first. Cross-key rules (ids that resolve, no cycles) are in ``checks.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, model_validator

from blastwall.registry.names import NAME_MAX, slug_problem

# The levers an outcome may suggest, as `blastwall contain --lever` spells them.
LEVERS_WITHOUT_VALUE = ("kill", "safe_mode", "human_fallback")
LEVERS_WITH_VALUE = ("reroute", "filter", "disable_tool", "retrieval")
LeverName = Literal[
    "kill", "safe_mode", "human_fallback", "reroute", "filter", "disable_tool", "retrieval"
]


def _slug(value: str) -> str:
    problem = slug_problem(value, NAME_MAX)
    if problem:
        raise ValueError(problem)
    return value


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: write a short text")
    return value.strip()


Name = Annotated[StrictStr, AfterValidator(_slug)]
Text = Annotated[StrictStr, Field(max_length=500), AfterValidator(_text)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LeverSuggestion(_Section):
    """A lever an outcome suggests, with its value when it takes one."""

    lever: LeverName = Field(description="kill, safe_mode, human_fallback, reroute, filter, ...")
    value: Text | None = Field(
        None, description="reroute: MODEL; filter: NAME; disable_tool: ACTION; retrieval: SRC,SRC."
    )

    @model_validator(mode="after")
    def _value(self) -> LeverSuggestion:
        if self.lever in LEVERS_WITHOUT_VALUE and self.value is not None:
            raise ValueError(f"lever {self.lever!r} takes no value: remove 'value:'")
        if self.lever in LEVERS_WITH_VALUE and self.value is None:
            raise ValueError(
                f"lever {self.lever!r} needs a value: add e.g. 'value: issue_refund' "
                "(reroute: a model, filter: a filter name, disable_tool: an action, "
                "retrieval: sources separated by commas)"
            )
        return self


class OutcomeSpec(_Section):
    """Where the answers lead: what is suspected, who owns it, what to pull."""

    surface: Name | None = Field(None, description="The suspected surface of the system.")
    team: Text | None = Field(
        None, description="The owning team: a system's owner or an escalation policy name."
    )
    levers: list[LeverSuggestion] = Field(default_factory=list, description="Levers to pull.")
    note: StrictStr = Field("", max_length=2000, description="What to check or do next.")


class AnswerSpec(_Section):
    """One answer to a question: leads to the ``next`` question or to an ``outcome``."""

    answer: Text = Field(description="The answer as a responder gives it, e.g. yes.")
    next: Name | None = Field(None, description="The id of the question asked next.")
    outcome: OutcomeSpec | None = Field(None, description="Where triage ends.")

    @model_validator(mode="after")
    def _one_way(self) -> AnswerSpec:
        if (self.next is None) == (self.outcome is None):
            raise ValueError(
                "give exactly one of 'next:' (the id of the next question) or 'outcome:'"
            )
        return self


class QuestionSpec(_Section):
    """A question of the tree, with the answers it accepts."""

    id: Name = Field(description="Slug naming the question, unique in the tree.")
    text: Text = Field(description="The question as a responder reads it.")
    answers: list[AnswerSpec] = Field(min_length=1, description="The answers it accepts.")


class TriageTreeSpec(_Section):
    """One system's triage tree; the first question is asked first."""

    system: Name = Field(description="The system this tree triages.")
    questions: list[QuestionSpec] = Field(min_length=1, description="Its questions.")

    def stored(self) -> list[dict[str, Any]]:
        """The questions as stored and shown by the API (no empty keys)."""
        return [q.model_dump(mode="json", exclude_none=True) for q in self.questions]
