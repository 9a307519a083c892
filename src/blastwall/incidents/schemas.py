"""API shapes for incidents, their timeline, metrics and the severity matrix."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from blastwall.access.schemas import NAME_PATTERN
from blastwall.incidents import metrics
from blastwall.incidents.enums import (
    FailureMode,
    Harm,
    IncidentClass,
    IncidentRole,
    Reversibility,
    Status,
)
from blastwall.incidents.matrix import Cell, Matrix
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.inputs import NON_BLANK, Input, trim, trim_non_blank

SYSTEM_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"

# Limits apply to the text as sent (what the OpenAPI states), surrounding spaces are trimmed.
_Blank = AfterValidator(trim_non_blank)
Title = Annotated[str, Field(min_length=1, max_length=300, json_schema_extra=NON_BLANK), _Blank]
Text = Annotated[str, Field(max_length=20_000), AfterValidator(trim)]
Message = Annotated[
    str, Field(min_length=1, max_length=20_000, json_schema_extra=NON_BLANK), _Blank
]


class _Input(Input):
    model_config = ConfigDict(extra="forbid")


class IncidentCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "refund bot overpays",
                    "system": "support-agent",
                    "classes": ["integrity"],
                    "failure_mode": "sudden",
                    "harm": "major",
                    "summary": "Refunds of 10x the order value since 14:02.",
                }
            ]
        }
    )

    title: Title = Field(description="One line a responder recognises, e.g. 'refund bot overpays'.")
    system: str | None = Field(
        default=None, pattern=SYSTEM_PATTERN, description="Name of the affected system, if known."
    )
    classes: list[IncidentClass] = Field(
        default_factory=list, description="Every class that applies (T1); may be empty at first."
    )
    failure_mode: FailureMode | None = Field(default=None, description="sudden, drift or ...")
    harm: Harm = Field(description="How wrong the output is: none < minor < ... < severe.")
    reversibility: Reversibility | None = Field(
        default=None,
        description="Of the downstream actions; default irreversible if the system has any "
        "irreversible action, else reversible.",
    )
    summary: Text = Field(default="", description="What is known so far.")
    started_at: AwareDatetime | None = Field(
        default=None, description="When the failure began, if known; not after detection."
    )


class IncidentUpdate(_Input):
    """A partial update: only the fields sent change; null clears failure_mode or commander.

    The other fields may be left out but not set to null, and the OpenAPI says so
    (``SkipJsonSchema[None]``: ``None`` only stands for "not sent"); an empty body is
    refused, as ``minProperties`` states.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    title: Title | SkipJsonSchema[None] = None
    summary: Text | SkipJsonSchema[None] = None
    classes: list[IncidentClass] | SkipJsonSchema[None] = None
    failure_mode: FailureMode | None = None
    harm: Harm | SkipJsonSchema[None] = Field(
        default=None, description="Changing it recomputes the severity."
    )
    reversibility: Reversibility | SkipJsonSchema[None] = Field(
        default=None, description="Changing it recomputes the severity."
    )
    started_at: AwareDatetime | SkipJsonSchema[None] = Field(
        default=None, description="May only move earlier, never later than it is now."
    )
    commander: str | None = Field(
        default=None,
        pattern=NAME_PATTERN,
        description="Hands the commander role to this person (null clears it); the same as "
        "POST /incidents/{id}/roles with role commander, under the same rule.",
    )


class TransitionRequest(_Input):
    to: Status = Field(description="The next status; the error lists the allowed ones.")
    note: Message | None = Field(default=None, description="Why, for the timeline.")


class NoteOptional(_Input):
    note: Message | None = Field(default=None, description="Added to the timeline entry.")


class RoleAssign(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"role": "commander", "to": "alice", "reason": "bob goes off shift"}]
        },
    )

    role: IncidentRole = Field(description="commander, communications or responder.")
    to: str = Field(
        pattern=NAME_PATTERN, description="Who takes the role: a person's name, e.g. alice."
    )
    reason: Message | None = Field(default=None, description="Why, for the timeline.")


class NoteCreate(_Input):
    message: Message = Field(description="What happened or what was decided.")


class CellRead(BaseModel):
    severity: int = Field(description="1 most severe, 3 least.")
    containment: str
    escalation: str
    communication: str

    @classmethod
    def of(cls, cell: Cell) -> CellRead:
        return cls(**asdict(cell))


class MetricsRead(BaseModel):
    time_to_detect_s: float | None = Field(description="Start of the failure to detection.")
    time_to_acknowledge_s: float | None = Field(description="Detection to acknowledgement.")
    time_to_contain_s: float | None = Field(description="Detection to containment.")
    time_to_resolve_s: float | None = Field(description="Detection to resolution.")


class SummaryRead(BaseModel):
    incidents: int
    mttd_s: float | None
    mtta_s: float | None
    mean_time_to_contain_s: float | None
    mttr_s: float | None


class TimelineEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str = Field(description="opened, status, acknowledged, update, note, lever, ...")
    actor: str
    message: str
    data: dict[str, Any]


class IncidentSummary(BaseModel):
    """An incident without its timeline, as listed."""

    id: int
    title: str
    summary: str
    system: str | None
    status: Status
    classes: list[IncidentClass]
    failure_mode: FailureMode | None
    harm: Harm
    reversibility: Reversibility
    severity: int
    matrix_version: int
    cell: CellRead
    commander: str | None = Field(description="Who owns decisions (the commander role).")
    communications_lead: str | None = Field(description="Who writes the updates.")
    responders: list[str] = Field(description="Everyone else working on it, in assigned order.")
    started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    contained_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    postmortem_done_at: datetime | None
    drill: bool = Field(
        description="Opened during a game day (P3): kept apart in lists and metrics."
    )
    metrics: MetricsRead

    @classmethod
    def fields_of(cls, incident: Incident, cell: Cell) -> dict[str, Any]:
        plain = {
            name: getattr(incident, name)
            for name in cls.model_fields
            if name not in ("system", "cell", "metrics")
        }
        return {
            **plain,
            "system": incident.system.name if incident.system else None,
            "cell": CellRead.of(cell),
            "metrics": MetricsRead(**asdict(metrics.of(incident))),
        }

    @classmethod
    def of(cls, incident: Incident, cell: Cell) -> IncidentSummary:
        return cls(**cls.fields_of(incident, cell))


class IncidentRead(IncidentSummary):
    timeline: list[TimelineEntryRead]

    @classmethod
    def of(cls, incident: Incident, cell: Cell) -> IncidentRead:
        entries: list[TimelineEntry] = incident.timeline
        return cls(
            **IncidentSummary.fields_of(incident, cell),
            timeline=[TimelineEntryRead.model_validate(e) for e in entries],
        )


class MatrixRead(BaseModel):
    version: int = Field(description="0 is the built-in default; stored versions count from 1.")
    created_by: str
    created_at: datetime | None
    harm_levels: list[Harm]
    reversibility: list[Reversibility]
    cells: dict[Harm, dict[Reversibility, CellRead]]

    @classmethod
    def of(cls, matrix: Matrix) -> MatrixRead:
        return cls(
            version=matrix.version,
            created_by=matrix.created_by,
            created_at=matrix.created_at,
            harm_levels=list(Harm),
            reversibility=list(Reversibility),
            cells={
                harm: {rev: CellRead.of(matrix.cells[harm, rev]) for rev in Reversibility}
                for harm in Harm
            },
        )


class SignalRead(BaseModel):
    """An alarm or alert that joined an incident."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str = Field(description="monitor, alertmanager or alert")
    key: str = Field(description="The monitor's id or the alert's fingerprint.")
    system: str
    title: str
    status: str = Field(description="firing or resolved")
    harm: str
    classes: list[str]
    started_at: datetime
    received_at: datetime
    repeats: int
    last_repeat_at: datetime | None
    resolved_at: datetime | None
    actor: str
    evidence: dict[str, Any]
