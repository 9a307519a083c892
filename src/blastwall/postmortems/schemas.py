"""API shapes of postmortems, action items and response metrics."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from blastwall.inputs import NON_BLANK, Input, RowId, trim, trim_non_blank
from blastwall.postmortems.enums import ActionStatus, Category, Creates, PostmortemStatus

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
Title = Annotated[
    str,
    AfterValidator(trim_non_blank),
    Field(max_length=300, json_schema_extra=NON_BLANK, description="What to change."),
]
Person = Annotated[
    str,
    AfterValidator(trim_non_blank),
    Field(max_length=100, json_schema_extra=NON_BLANK, description="Who owns it."),
]


class ActionItemCreate(Input):
    """An action item on an incident (L2)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "incident_id": 12,
                    "title": "Watch the refund share of support-bot",
                    "owner": "dana",
                    "due": "2026-12-20",
                    "category": "detection_gap",
                }
            ]
        },
    )

    incident_id: RowId = Field(description="The incident it follows from.")
    title: Title
    description: Annotated[str, AfterValidator(trim)] = Field(default="", max_length=5000)
    owner: Person
    due: date = Field(description="Due date, YYYY-MM-DD (UTC); open after it is overdue.")
    category: Category = Field(
        description="detection_gap, rollback_gap, blast_radius, slow_containment or other."
    )
    creates: Creates | None = Field(
        default=None,
        description="What `create` makes: monitor, canary or gate (by default: a monitor for a "
        "detection_gap, a gate for a blast_radius item).",
    )

    @field_validator("due", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise ValueError("must be a date written YYYY-MM-DD, e.g. 2026-12-20")
        return value


class ActionItemDone(Input):
    model_config = ConfigDict(extra="forbid")

    resolution: Annotated[str, AfterValidator(trim)] = Field(
        default="", max_length=5000, description="What was done (optional)."
    )


class ActionItemCreateThing(Input):
    """Overrides of the prefilled monitor, canary or gate (fields its own API takes)."""

    model_config = ConfigDict(extra="forbid")

    spec: dict[str, Any] = Field(
        default_factory=dict,
        description='Fields that replace the prefilled ones, e.g. {"name": "fraud-share"}.',
    )


class ActionItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    postmortem_id: int | None
    title: str
    description: str
    owner: str
    due: date
    category: Category
    status: ActionStatus
    overdue: bool = False
    creates: Creates | None
    created: dict[str, Any] | None
    created_at: datetime
    created_by: str
    done_at: datetime | None
    done_by: str | None
    resolution: str


class PostmortemEdit(Input):
    """Section texts to write; null drops an edit (the drafted text shows again)."""

    model_config = ConfigDict(extra="forbid")

    sections: dict[str, Annotated[str, Field(max_length=50_000)] | None] = Field(
        description='Section key -> Markdown text, e.g. {"root_cause": "..."}.'
    )


class PostmortemRead(BaseModel):
    incident_id: int
    status: PostmortemStatus
    sections: dict[str, str] = Field(description="Each section's text, edits included.")
    edited: list[str] = Field(description="Sections a person wrote (kept by a re-draft).")
    drafts: int
    drafted_at: datetime
    drafted_by: str
    submitted_at: datetime | None
    submitted_by: str | None
    published_at: datetime | None
    published_by: str | None
    markdown: str


class Figure(BaseModel):
    """One duration over the incidents that reached both its milestones."""

    count: int
    median_s: float | None
    mean_s: float | None


class SystemMetrics(BaseModel):
    system: str
    incidents: int
    mttd: Figure = Field(description="Start -> detected.")
    mtta: Figure = Field(description="Detected -> acknowledged.")
    time_to_contain: Figure = Field(description="Detected -> contained.")
    mttr: Figure = Field(description="Start -> resolved.")


class MetricsRead(BaseModel):
    since: datetime | None
    until: datetime | None
    include_drills: bool
    systems: list[SystemMetrics]
    all: SystemMetrics
