"""API shapes of the review queue: sampling settings, items, verdicts, accuracy."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from blastwall.inputs import Input
from blastwall.review.enums import Status, Verdict
from blastwall.review.models import DEFAULT_BASELINE

MAX_BASELINE = 100_000
MAX_NOTE = 4000


class _Input(Input):
    model_config = ConfigDict(extra="forbid")


class ReviewConfigUpdate(_Input):
    """How much of a system's output goes to human review."""

    sample_rate: float = Field(
        ge=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Share of the calls the model answered that go to the review queue, "
        "0..1 (0.05 = one in twenty; 0 stops sampling).",
    )
    baseline: int = Field(
        default=DEFAULT_BASELINE,
        ge=10,
        le=MAX_BASELINE,
        description="How many first verdicts form the accuracy baseline.",
    )


class ReviewConfigRead(BaseModel):
    system: str
    sample_rate: float
    baseline: int
    updated_at: datetime | None
    updated_by: str | None
    monitors: list[str] = Field(
        description="Monitors with signal review_accuracy on this system: an accuracy drop "
        "alarms through them (none: declare one to be alarmed)."
    )


class MarkBody(_Input):
    """A reviewer's verdict on one sampled output."""

    verdict: Verdict = Field(description="correct or incorrect.")
    note: str = Field(default="", max_length=MAX_NOTE, description="Why, for the record.")


class ReviewItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    system: str
    environment: str
    trace_id: str
    trace_row_id: int
    at: datetime
    sampled_at: datetime
    status: Status
    reviewer: str | None
    claimed_at: datetime | None
    verdict: Verdict | None
    note: str
    marked_at: datetime | None


class ReviewItemDetail(ReviewItemRead):
    """An item with the call a reviewer judges."""

    input_text: str | None
    output_text: str | None
    label: str | None


class IntervalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    accuracy: float | None = Field(description="Share marked correct (null with no verdicts).")
    low: float = Field(description="Wilson 95% interval, lower bound.")
    high: float = Field(description="Wilson 95% interval, upper bound.")
    n: int = Field(description="Verdicts counted.")
    correct: int


class AccuracyRead(BaseModel):
    system: str
    baseline: IntervalRead = Field(description="The first `baseline_size` verdicts.")
    baseline_size: int
    baseline_complete: bool
    current: IntervalRead = Field(description="The last `window` verdicts after the baseline.")
    window: int
    drop: bool = Field(
        description="The current interval lies wholly below the baseline's: accuracy fell."
    )
    queue: dict[str, int] = Field(description="Items by status.")
