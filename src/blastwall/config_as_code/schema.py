"""The shape of ``blastwall.yaml``: every key typed, documented and checked (P4).

Unknown keys are errors (``extra="forbid"``) so a typo never silently does nothing.
Scalars are strict: ``reversible: "yes"`` (quoted) is text, not a boolean, and is refused.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)

from blastwall.alerts.rules import AlertRule
from blastwall.canaries.schemas import CanarySetBody, TargetSpec
from blastwall.config_as_code.errors import Source
from blastwall.detect.monitors.enums import Signal
from blastwall.detect.monitors.schemas import (
    DEFAULT_VERIFY,
    MAX_REFERENCE,
    MonitorCreate,
    ReferenceSpec,
)
from blastwall.detect.signals import parse_params
from blastwall.incidents.enums import Harm, IncidentClass
from blastwall.levers.enums import ANY
from blastwall.levers.schemas import AuthorityRuleSpec as LeverRuleSpec
from blastwall.notify.specs import ChannelSpec, RouteSpec
from blastwall.oncall.spec import OncallSpec
from blastwall.policies.spec import PolicySpec
from blastwall.registry.enums import RiskTier, StalePolicy, SurfaceKind
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_problem
from blastwall.registry.schemas import SystemSpec as RegistrySystemSpec
from blastwall.regulatory.schemas import RegimeSpec
from blastwall.review.models import DEFAULT_BASELINE
from blastwall.review.schemas import MAX_BASELINE, ReviewConfigUpdate
from blastwall.triage.spec import TriageTreeSpec
from blastwall.updates.spec import CommunicationsSpec

SUPPORTED_VERSION = 1


def _version(value: int) -> int:
    if value != SUPPORTED_VERSION:
        raise ValueError(f"{value} is not a supported version: write 'version: 1'")
    return value


def _slug(value: str) -> str:
    problem = slug_problem(value, NAME_MAX)
    if problem:
        raise ValueError(problem)
    return value


def _environment(value: str) -> str:
    problem = slug_problem(value, ENVIRONMENT_MAX)
    if problem:
        raise ValueError(problem)
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: write a name or a short text")
    return value.strip()


_RULE_DEFAULTS = {"subject": "role:admin", "lever": ANY, "system": ANY}


def _rule_part(field: str, value: str) -> str:
    # The levers domain owns what a valid rule is; reuse its checks and its messages.
    try:
        LeverRuleSpec.model_validate({**_RULE_DEFAULTS, field: value})
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"]) from None
    return value


def _lever(value: str) -> str:
    return _rule_part("lever", value)


def _system_ref(value: str) -> str:
    return _rule_part("system", value)


def _subject(value: str) -> str:
    return _rule_part("subject", value)


Name = Annotated[StrictStr, AfterValidator(_slug)]
Environment = Annotated[StrictStr, AfterValidator(_environment)]
Text = Annotated[StrictStr, AfterValidator(_not_blank)]
LeverRef = Annotated[StrictStr, AfterValidator(_lever)]
SystemRef = Annotated[StrictStr, AfterValidator(_system_ref)]
Subject = Annotated[StrictStr, AfterValidator(_subject)]


class Section(BaseModel):
    """Base of every mapping in the file: unknown keys are refused, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ActionSpec(Section):
    """A downstream action the system's output triggers (P1, T2)."""

    name: Name = Field(description="Slug naming the action, e.g. issue_refund.")
    reversible: StrictBool = Field(
        description="Whether the action can be undone; irreversible actions raise severity (T2)."
    )
    description: StrictStr = Field("", description="What the action does and to whom.")


class SurfaceSpec(Section):
    """A versioned part of the system: its model, a prompt, a retrieval source, a config (R1)."""

    name: Name = Field(description="Slug naming the surface, e.g. system-prompt.")
    kind: SurfaceKind = Field(description="One of model, prompt, retrieval, config.")
    content: dict[str, Any] | None = Field(
        None,
        description=(
            "The surface's first version (any mapping). Used only while the surface has no "
            "version yet; later versions come from releases."
        ),
    )


class MonitorSpec(Section):
    """A calibrated monitor on one signal of the system (D1-D8; docs/detection.md)."""

    name: Name = Field(description="Slug naming the monitor, e.g. fraud-share.")
    description: StrictStr = Field("", description="What it watches and why.")
    signal: Signal = Field(description="What each event becomes: output_category, latency, ...")
    params: dict[str, Any] = Field(
        default_factory=dict,
        validate_default=True,
        description="The signal's parameters, e.g. {action: issue_refund}.",
    )
    environment: Environment | None = Field(
        None, description="Only events of this environment; left out: every environment."
    )
    reference: ReferenceSpec = Field(
        default_factory=ReferenceSpec,
        description="Baseline: {observations: N} after each release activation (default "
        "10000), or {kind: pinned, start: ..., end: ...}.",
    )
    false_alarm_rate: float = Field(
        1e-5, gt=0, lt=0.1, description="False alarms per observation with no change."
    )
    verify_observations: StrictInt = Field(
        DEFAULT_VERIFY,
        ge=10,
        le=MAX_REFERENCE,
        description="Observations after a rollback or lever change before verification decides.",
    )
    classes: list[IncidentClass] = Field(
        default_factory=list, description="Incident classes an alarm implies."
    )
    harm: Harm | None = Field(None, description="Harm an alarm implies (sets the severity).")
    enabled: StrictBool = Field(True, description="false: keep the baseline, skip events.")

    @field_validator("params")
    @classmethod
    def _params(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        signal = info.data.get("signal")
        if signal is None:
            return value
        try:
            return parse_params(signal, value)
        except ValueError as exc:
            # The key path already ends in 'params'; keep only what is inside it.
            raise ValueError(str(exc).replace("params.", "")) from None

    def to_create(self) -> MonitorCreate:
        """The monitors domain's own declaration of this monitor."""
        return MonitorCreate.model_validate(self.model_dump())


class ReviewSpec(Section):
    """Ground-truth review of a system's outputs (D4)."""

    sample_rate: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        description="Share of the calls the model answered that go to the review queue, 0..1."
    )
    baseline: StrictInt = Field(
        DEFAULT_BASELINE, ge=10, le=MAX_BASELINE, description="First verdicts forming the baseline."
    )

    def to_update(self) -> ReviewConfigUpdate:
        return ReviewConfigUpdate(sample_rate=self.sample_rate, baseline=self.baseline)


def _as_api(model: type[BaseModel]) -> WrapValidator:
    """Validate a section with the owning domain's own API model, as the API reads JSON.

    The domain's checks and messages are reused unchanged; JSON strict mode keeps the file's
    rule that scalars are strict (``release_gate: "yes"`` is text, not a boolean).
    """

    def run(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, model):
            return value
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise ValueError(
                "holds a value JSON cannot (an unquoted date, or a non-finite number): put it "
                "in quotes to keep it text"
            ) from None
        return model.model_validate_json(text, strict=True)

    return WrapValidator(run)


def _regime_shorthand(value: Any) -> Any:
    """``- gdpr`` means ``- {name: gdpr}``: every default from docs/regulatory.md."""
    return {"name": value} if isinstance(value, str) else value


RegimeEntry = Annotated[RegimeSpec, _as_api(RegimeSpec), BeforeValidator(_regime_shorthand)]


class CanarySetSpec(CanarySetBody):
    """A named canary set (D3): the body of PUT /systems/{s}/canaries/{name}, plus its name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: Name = Field(description="Slug naming the set, unique in the system, e.g. routing.")

    def body(self) -> CanarySetBody:
        """The canaries domain's own body of this set; a different body is a new version."""
        return CanarySetBody(
            description=self.description, interval_s=self.interval_s, cases=self.cases
        )


class SystemSpec(Section):
    """One AI system in production (P1 inventory)."""

    name: Name = Field(description="Slug naming the system, e.g. support-agent.")
    description: StrictStr = Field("", description="What it does; for a classifier, its outputs.")
    owner: Text = Field(description="The one named person or team accountable for it.")
    risk_tier: RiskTier = Field(description="low, medium, high or critical.")
    environments: list[Environment] = Field(
        min_length=1, description="Where it runs, e.g. [staging, prod]."
    )
    fallback: StrictStr = Field("", description="What users get when the system is killed.")
    stale_policy: StalePolicy = Field(
        StalePolicy.keep_last,
        description="What SDK instances do when lever state is stale: keep_last or safe_mode.",
    )
    stale_after_s: StrictInt | None = Field(
        None, ge=1, description="Seconds after which lever state counts as stale."
    )
    retention_days: StrictInt | None = Field(
        None,
        ge=1,
        le=36500,
        description="Days its traces are kept (unset: the server's BLASTWALL_RETENTION_DAYS); "
        "an incident's window is held past it (docs/evidence.md).",
    )
    hold_severity: StrictInt = Field(
        1,
        ge=0,
        le=3,
        description="Incidents of this severity or worse open under evidence hold "
        "(EU AI Act Art. 73(6)); 0: none do.",
    )
    actions: list[ActionSpec] = Field(default_factory=list, description="Downstream actions.")
    surfaces: list[SurfaceSpec] = Field(default_factory=list, description="Versioned surfaces.")
    monitors: list[MonitorSpec] | None = Field(
        None,
        description="Its monitors; the file is then the whole truth (others are deleted). "
        "Left out: monitors are not managed by the file.",
    )
    review: ReviewSpec | None = Field(
        None, description="Sampling for human review; left out: not managed by the file."
    )
    canary_target: Annotated[TargetSpec, _as_api(TargetSpec)] | None = Field(
        None,
        description="Where canaries go and whether releases are gated (R4), as PUT "
        "/systems/{s}/canary-target takes it; left out: not managed by the file.",
    )
    canaries: list[Annotated[CanarySetSpec, _as_api(CanarySetSpec)]] | None = Field(
        None,
        description="Canary sets (D3); each changed body stores a new version. Left out: "
        "not managed by the file.",
    )

    regimes: list[RegimeEntry] | None = Field(
        None,
        description="Reporting regimes (eu_ai_act, gdpr, nis2, dora, ca_sb53), each a name or "
        "{name, effective, authority, role, contact, registration_id}; docs/regulatory.md. "
        "Left out: not managed by the file.",
    )

    def to_registry(self) -> RegistrySystemSpec:
        """The registry's own spec of this system (surface contents go into a release)."""
        data = self.model_dump(
            exclude={
                "surfaces": {"__all__": {"content"}},
                "monitors": True,
                "review": True,
                "canary_target": True,
                "canaries": True,
                "regimes": True,
            }
        )
        return RegistrySystemSpec.model_validate(data)


class AuthorityRuleSpec(Section):
    """Who may pull which levers on which systems without asking anyone (I4)."""

    subject: Subject = Field(description="role:NAME or person:NAME.")
    levers: list[LeverRef] = Field(min_length=1, description="Lever names, or '*' for all.")
    systems: list[SystemRef] = Field(min_length=1, description="System names, or '*' for all.")


class AuthoritySpec(Section):
    """The whole authority protocol; applying it replaces every stored rule."""

    rules: list[AuthorityRuleSpec] = Field(default_factory=list)


class Document(Section):
    """The whole ``blastwall.yaml``. A section left out is not managed by the file.

    Later sections (on-call, ...) are added here as optional keys, so version 1 files stay
    valid.
    """

    version: Annotated[StrictInt, AfterValidator(_version)] = Field(
        description="Format version of the file; must be 1."
    )
    systems: list[SystemSpec] = Field(default_factory=list)
    authority: AuthoritySpec | None = None
    severity_matrix: dict[str, Any] | None = Field(
        None, description="Severity matrix body, as GET /api/v1/severity-matrix shows it."
    )
    oncall: OncallSpec | None = Field(
        None, description="People, schedules, escalation policies, coverage (docs/oncall.md)."
    )
    channels: list[ChannelSpec] | None = Field(
        None, description="Notification channels (docs/notifications.md); secrets by env var name."
    )
    routes: list[RouteSpec] | None = Field(
        None, description="Which changes notify which channels (docs/notifications.md)."
    )
    alert_rules: list[AlertRule] | None = Field(
        None, description="Alert labels -> system, harm, classes; first match wins (alerts)."
    )
    triage: list[TriageTreeSpec] | None = Field(
        None, description="A triage tree per system (docs/triage.md); left out: unmanaged."
    )
    policies: list[PolicySpec] | None = Field(
        None, description="Auto-containment policies: when X, do levers or rollback (policies)."
    )
    communications: CommunicationsSpec | None = Field(
        None, description="Update cadence per severity and the user-notice rule (communications)."
    )

    _source: Source = PrivateAttr(default_factory=Source)

    def attach(self, source: Source) -> None:
        """Remember where the document came from, so later errors can name file and line."""
        self._source = source

    @property
    def source(self) -> Source:
        return self._source
