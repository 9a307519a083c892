"""API shapes of regulatory reporting: regimes, decisions, facts, anchors, clocks, reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from blastwall.inputs import NON_BLANK, Input, trim, trim_non_blank
from blastwall.regulatory.enums import (
    Anchor,
    ClockStatus,
    Decision,
    Fact,
    Regime,
    ReportFormat,
    Role,
    Stage,
)

KNOWN = ", ".join(regime.value for regime in Regime)


def _known_regime(value: Any) -> Any:
    if isinstance(value, str) and value not in {regime.value for regime in Regime}:
        raise PydanticCustomError(
            "unknown_regime",
            "{value} is not a regime Blastwall knows: use one of {known} (docs/regulatory.md)",
            {"value": repr(value), "known": KNOWN},
        )
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "not_a_date",
                "{value} is not a date: write YYYY-MM-DD, e.g. 2027-12-02",
                {"value": repr(value)},
            ) from None
    return value


Day = Annotated[date, BeforeValidator(_iso_date)]
RegimeName = Annotated[Regime, BeforeValidator(_known_regime)]
Rationale = Annotated[
    str,
    Field(min_length=1, max_length=20_000, json_schema_extra=NON_BLANK),
    AfterValidator(trim_non_blank),
]
Short = Annotated[str, Field(max_length=300), AfterValidator(trim)]


class RegimeSpec(Input):
    """One regime a system falls under; unset values take REGULATORY.md's defaults."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "eu_ai_act", "effective": "2027-12-02", "role": "provider"}]
        },
    )

    name: RegimeName = Field(description=f"One of {KNOWN}.")
    effective: Day | None = Field(
        default=None,
        description="From when the regime applies to this system (YYYY-MM-DD); default: "
        "the regime's own date (docs/regulatory.md).",
    )
    authority: Short | None = Field(
        default=None, description="Who receives reports, e.g. 'CNIL'; default: the regime's."
    )
    role: Role | None = Field(default=None, description="The organisation's role, if known.")
    contact: Short = Field(default="", description="Contact for reports (e.g. the DPO).")
    registration_id: Short = Field(default="", description="EU database id (AI Act Art. 71).")


class RegimesPut(Input):
    """Every regime of a system; replaces the stored list."""

    regimes: list[RegimeSpec] = Field(max_length=len(Regime))


class RegimeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: Regime
    effective: date
    authority: str
    role: Role | None
    contact: str
    registration_id: str


class DecisionCreate(Input):
    regime: RegimeName
    decision: Decision
    rationale: Rationale = Field(description="Why; shown with the decision and in reports.")


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    regime: Regime
    decision: Decision
    rationale: str
    decided_by: str
    decided_at: datetime


class FactSet(Input):
    name: Fact
    value: bool
    reason: Short = ""


class AnchorSet(Input):
    name: Anchor
    at: AwareDatetime = Field(description="RFC 3339 time, e.g. 2026-12-06T09:30:00Z.")
    reason: Short = ""


class AnchorRead(BaseModel):
    name: Anchor
    at: datetime
    set_by: str
    reason: str


class RegulatoryRead(BaseModel):
    """An incident's regulatory record: current decisions (and their history), facts,
    anchors (awareness defaults to detection)."""

    incident_id: int
    decisions: list[DecisionRead]
    history: list[DecisionRead]
    facts: dict[str, bool]
    anchors: list[AnchorRead]


class ClockAnchor(BaseModel):
    name: str
    at: datetime


class ClockRead(BaseModel):
    """One regime's stage: its anchor, due time, time left, and where it stands."""

    incident_id: int
    system: str
    regime: Regime
    stage: Stage
    title: str
    status: ClockStatus
    anchor: ClockAnchor | None
    window: str | None
    variant: str | None
    due_at: datetime | None
    seconds_left: float | None
    overdue: bool
    report_id: int | None
    submitted_at: datetime | None
    late: bool
    decision: Decision
    reason: str


class ReportDraft(Input):
    regime: RegimeName
    stage: Stage | None = Field(
        default=None, description="Default: the first stage not yet submitted."
    )
    format: ReportFormat = ReportFormat.md


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    incident_id: int
    regime: Regime
    stage: Stage
    version: int
    supersedes_id: int | None
    superseded: bool = False
    format: ReportFormat
    body: str
    sha256: str
    created_by: str
    created_at: datetime
    submitted_at: datetime | None
    submitted_by: str | None
    recipient: str | None
