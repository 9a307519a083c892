"""What each monitor signal watches and takes as parameters (D1, D2, D5, D6, D7).

Which calls a signal watches (``Calls``):

* ``model``: the model answered (decision ``proceed`` or ``reroute``, outcome ``ok``).  A
  lever that takes the model out of the loop (kill, human fallback, safe mode) also takes
  its calls out of these monitors, so containing an incident does not raise new alarms.
* ``answered``: decision ``proceed`` or ``reroute``, any outcome (filters and actions act
  on calls that were blocked or failed too).
* ``all``: every call; inputs arrive whatever the levers do.
* ``canary``: only canary cases' calls (``canaries.runs``), for ``canary_failures``.

Canary calls are synthetic prompts, not users: every other signal skips them, so they can
neither raise nor hide a production alarm, nor fill an alarm's sample traces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from blastwall.detect import embeddings
from blastwall.detect.detectors import Kind
from blastwall.detect.monitors.enums import Signal

REFUSAL_LABEL = "refusal"
_APOSTROPHE = "['\u2019]"
DEFAULT_REFUSAL_PATTERNS: tuple[str, ...] = (
    rf"\bI(?: am|{_APOSTROPHE}m) (?:sorry|afraid),? (?:but )?I (?:can(?:{_APOSTROPHE}|no)t|"
    rf"am unable|{_APOSTROPHE}m unable|won{_APOSTROPHE}t)",
    rf"\bI (?:can(?:{_APOSTROPHE}|no)t|won{_APOSTROPHE}t|am unable to|am not able to) "
    r"(?:help|assist|provide|answer|comply|do that|share|discuss)",
    rf"\bI(?: am|{_APOSTROPHE}m) not (?:able|allowed|permitted) to\b",
    r"\bas an AI\b",
)
MODEL_DECISIONS = ("proceed", "reroute")
ActionStatus = Literal["fired", "approved", "refused", "denied"]
FeedbackRating = Literal["wrong", "harmful", "correct", "other"]
DEFAULT_ACTION_STATUSES: tuple[ActionStatus, ...] = ("fired", "approved")
DEFAULT_FEEDBACK_RATINGS: tuple[FeedbackRating, ...] = ("wrong", "harmful")


class Calls(StrEnum):
    """Which calls a signal observes (see the module docstring)."""

    model = "model"
    answered = "answered"
    every = "all"
    canary = "canary"


# ------------------------------------------------------------------------------ parameters
class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from None
    return value


def _labels(value: list[str]) -> list[str]:
    if len(value) < 2:
        raise ValueError("declare at least two categories, or leave it out to learn them")
    if len(set(value)) != len(value):
        raise ValueError("each category may be listed once")
    return value


def _patterns(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("give at least one pattern, or leave patterns out for the defaults")
    return [_regex(v) for v in value]


Regex = Annotated[str, AfterValidator(_regex)]
Labels = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], AfterValidator(_labels)
]
Patterns = Annotated[list[str], AfterValidator(_patterns)]


class NoParams(_Params):
    """The signal takes no parameters."""


class CategoryParams(_Params):
    categories: Labels | None = Field(
        default=None,
        description="Every label the output may take. Left out: the labels seen in the "
        "reference window. A label outside the list is counted as unknown, not fed.",
    )


class RefusalParams(_Params):
    patterns: Patterns | None = Field(
        default=None,
        description="Regular expressions (case-insensitive) that mark an answer as a "
        "refusal in its first 300 characters; left out: built-in English phrases.",
    )
    label: str | None = Field(
        default=REFUSAL_LABEL, description="A label that means refusal; null: none does."
    )


class FilterHitParams(_Params):
    filter: str | None = Field(default=None, description="Only this filter, e.g. pii.")
    stage: Literal["input", "output"] | None = Field(default=None, description="Only this stage.")


class PatternParams(_Params):
    pattern: Regex = Field(description="Regular expression searched in the output.")
    ignore_case: bool = Field(default=True, description="Match without regard to case.")


class AttributeParams(_Params):
    attribute: str = Field(
        min_length=1, max_length=200, description="Key in the call's attributes."
    )


class AttributeCategoryParams(AttributeParams, CategoryParams):
    pass


CANARY_ACTION = "canary_failed"
"""The downstream action a failed canary case carries (only canary calls have it)."""


def _not_canary(value: str) -> str:
    if value == CANARY_ACTION:
        raise ValueError(
            f"{CANARY_ACTION!r} is only on canary calls, which action_rate skips: watch canary "
            "failures with 'signal: canary_failures' (no params) instead"
        )
    return value


class ActionParams(_Params):
    action: Annotated[str, AfterValidator(_not_canary)] = Field(
        min_length=1, max_length=100, description="Downstream action name."
    )
    statuses: list[ActionStatus] = Field(
        default=list(DEFAULT_ACTION_STATUSES),
        min_length=1,
        description="Statuses that count as the action happening.",
    )


class FeedbackParams(_Params):
    ratings: list[FeedbackRating] = Field(
        default=list(DEFAULT_FEEDBACK_RATINGS),
        min_length=1,
        description="Feedback ratings that count as a flag.",
    )


DEFAULT_BITS = 4
MAX_TOPICS = 50
MAX_EXAMPLES = 100
AnchorText = Annotated[str, Field(max_length=embeddings.MAX_CHARS)]


def _anchors(value: dict[str, list[str]]) -> dict[str, list[str]]:
    if not value:
        raise ValueError("give at least one topic with example texts, or leave anchors out")
    for topic, texts in value.items():
        if not topic.strip() or topic == embeddings.OTHER:
            raise ValueError(f"topic {topic!r}: name topics with text other than 'other'")
        if not texts or not all(t.strip() for t in texts):
            raise ValueError(f"topic {topic!r}: give at least one example text, none empty")
    return value


def _bits(value: int) -> int:
    if not 1 <= value <= embeddings.MAX_BITS:
        raise ValueError(
            f"{value} is out of range: use 1 to {embeddings.MAX_BITS} "
            f"(2 to {1 << embeddings.MAX_BITS} buckets)"
        )
    return value


Bits = Annotated[int, AfterValidator(_bits)]
Anchors = Annotated[
    dict[
        Annotated[str, Field(max_length=200)],
        Annotated[list[AnchorText], Field(max_length=MAX_EXAMPLES)],
    ],
    Field(max_length=MAX_TOPICS),
    AfterValidator(_anchors),
]


class EmbeddingParams(_Params):
    bits: Bits | None = Field(
        default=None,
        description=f"Hyperplanes of the hashing: 2^bits buckets (default {DEFAULT_BITS}).",
    )
    anchors: Anchors | None = Field(
        default=None,
        description="Topic name -> example texts; each input goes to its most similar "
        "example's topic (cosine), or 'other'.  Replaces the buckets.",
    )
    min_similarity: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="With anchors: below this cosine similarity an input is 'other' "
        f"(default {embeddings.DEFAULT_MIN_SIMILARITY}).",
    )

    @model_validator(mode="after")
    def _one_reduction(self) -> EmbeddingParams:
        if self.anchors is not None and self.bits is not None:
            raise ValueError("give bits (hashing) or anchors (topics), not both")
        if self.anchors is None and self.min_similarity is not None:
            raise ValueError("min_similarity applies to anchors; give anchors or leave it out")
        # Defaults filled in here so the stored params say what the monitor does.
        if self.anchors is None and self.bits is None:
            object.__setattr__(self, "bits", DEFAULT_BITS)
        elif self.min_similarity is None:
            object.__setattr__(self, "min_similarity", embeddings.DEFAULT_MIN_SIMILARITY)
        return self


@dataclass(frozen=True)
class SignalDef:
    """What one signal needs and what it yields."""

    kind: Kind
    calls: Calls
    params: type[_Params]
    columns: tuple[str, ...] = ()  # trace columns read besides the base ones
    feedback: bool = False  # also reads the feedback table
    reviews: bool = False  # reads review verdicts (D4), not calls
    negative: bool = False  # negative values are valid observations


SIGNALS: dict[Signal, SignalDef] = {
    Signal.output_category: SignalDef(Kind.categorical, Calls.model, CategoryParams, ("label",)),
    Signal.refusal_rate: SignalDef(
        Kind.binary, Calls.model, RefusalParams, ("label", "output_text")
    ),
    Signal.response_length: SignalDef(Kind.continuous, Calls.model, NoParams, ("output_text",)),
    Signal.latency: SignalDef(Kind.continuous, Calls.model, NoParams, ("latency_ms",)),
    Signal.confidence: SignalDef(Kind.continuous, Calls.model, NoParams, ("confidence",)),
    Signal.filter_hit_rate: SignalDef(Kind.binary, Calls.answered, FilterHitParams, ("filters",)),
    Signal.output_pattern: SignalDef(Kind.binary, Calls.model, PatternParams, ("output_text",)),
    Signal.input_numeric: SignalDef(
        Kind.continuous, Calls.every, AttributeParams, ("attributes",), negative=True
    ),
    Signal.input_category: SignalDef(
        Kind.categorical, Calls.every, AttributeCategoryParams, ("attributes",)
    ),
    Signal.input_embedding: SignalDef(
        Kind.categorical, Calls.every, EmbeddingParams, ("input_text",)
    ),
    Signal.action_rate: SignalDef(Kind.binary, Calls.answered, ActionParams, ("actions",)),
    Signal.feedback_rate: SignalDef(Kind.binary, Calls.answered, FeedbackParams, feedback=True),
    Signal.review_accuracy: SignalDef(Kind.binary, Calls.every, NoParams, reviews=True),
    Signal.canary_failures: SignalDef(Kind.binary, Calls.canary, NoParams, ("attributes",)),
}


def parse_params(signal: Signal, params: dict[str, Any]) -> dict[str, Any]:
    """The signal's parameters checked and with defaults filled in; ValueError names the key."""
    try:
        parsed = SIGNALS[signal].params.model_validate(params)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                known = ", ".join(SIGNALS[signal].params.model_fields) or "none"
                message = f"is not a parameter of {signal.value} (its parameters: {known})"
            elif error["type"] == "missing":
                message = f"is required by {signal.value}"
            problems.append(f"params.{where}: {message}" if where else f"params: {message}")
        raise ValueError("; ".join(problems)) from None
    if signal is Signal.input_embedding:
        missing = embeddings.missing_package()
        if missing is not None:
            raise ValueError(str(embeddings.EmbeddingsUnavailable(missing)))
    return parsed.model_dump(mode="json")


def declared_categories(signal: Signal, params: dict[str, Any]) -> list[str] | None:
    """The categories a monitor declares: its ``categories``, or those its reduction makes."""
    if signal is Signal.input_embedding:
        return embeddings.categories(params)
    categories: list[str] | None = params.get("categories")
    return categories
