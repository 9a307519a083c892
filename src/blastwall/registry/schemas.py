"""API shapes of the registry: system specs, releases, activations and rollbacks."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from blastwall.inputs import INT32_MAX, Input, RowId
from blastwall.registry.enums import KNOWN_GOOD, ChangeAction, RiskTier, StalePolicy, SurfaceKind
from blastwall.registry.models import Deployment, Release, SurfaceVersion
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_pattern, slug_problem


def _slug(max_length: int) -> AfterValidator:
    def check(value: str) -> str:
        problem = slug_problem(value, max_length)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


# The pattern is also checked by the validator, whose message says how to fix a bad name.
Name = Annotated[str, _slug(NAME_MAX), Field(json_schema_extra={"pattern": slug_pattern(NAME_MAX)})]
EnvironmentName = Annotated[
    str,
    _slug(ENVIRONMENT_MAX),
    Field(json_schema_extra={"pattern": slug_pattern(ENVIRONMENT_MAX)}),
]
IncidentId = Annotated[
    RowId | None, Field(description="Record this change on that incident's timeline.")
]


def _duplicates(names: list[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


class _Input(Input):
    model_config = ConfigDict(extra="forbid")


class ActionSpec(_Input):
    """A downstream action the system's output triggers."""

    name: Name = Field(description="e.g. issue-refund.")
    reversible: bool = Field(description="Can the action be undone after it happened?")
    description: str = Field(default="", max_length=2000)


class SurfaceSpec(_Input):
    """A versioned part of the system."""

    name: Name = Field(description="e.g. main-model, system-prompt, kb-index, settings.")
    kind: SurfaceKind = Field(description="model, prompt, retrieval or config.")


class SystemSpec(_Input):
    """Everything the inventory (P1) knows about one AI system; used to create or upsert it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "support-agent",
                    "description": "Answers customer tickets and can issue refunds.",
                    "owner": "alice@example.com",
                    "risk_tier": "high",
                    "environments": ["staging", "prod"],
                    "fallback": "Tickets go to the tier-1 human queue.",
                    "stale_policy": "safe_mode",
                    "stale_after_s": 60,
                    "actions": [{"name": "issue-refund", "reversible": False}],
                    "surfaces": [
                        {"name": "model", "kind": "model"},
                        {"name": "system-prompt", "kind": "prompt"},
                    ],
                }
            ]
        }
    )

    name: Name = Field(description="Unique slug, e.g. support-agent.")
    description: str = Field(default="", max_length=5000)
    owner: str = Field(min_length=1, max_length=200, description="The one named owner.")
    risk_tier: RiskTier
    environments: list[EnvironmentName] = Field(
        min_length=1, description="Where releases run, e.g. [staging, prod]."
    )
    fallback: str = Field(
        default="", max_length=5000, description="What takes over when the AI is switched off."
    )
    stale_policy: StalePolicy = Field(
        default=StalePolicy.keep_last,
        description="What SDK instances do when their lever state is stale.",
    )
    stale_after_s: int | None = Field(
        default=None,
        ge=1,
        le=INT32_MAX,
        description="Seconds after which lever state counts as stale.",
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="Days its traces are kept (null: the server's BLASTWALL_RETENTION_DAYS).",
    )
    hold_severity: int = Field(
        default=1,
        ge=0,
        le=3,
        description="Incidents of this severity or worse open under evidence hold; 0: none.",
    )
    actions: list[ActionSpec] = Field(default_factory=list)
    surfaces: list[SurfaceSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> SystemSpec:
        for field, names in (
            ("environments", list(self.environments)),
            ("actions", [a.name for a in self.actions]),
            ("surfaces", [s.name for s in self.surfaces]),
        ):
            repeated = _duplicates(names)
            if repeated:
                raise ValueError(f"{field}: {', '.join(repeated)} listed twice; name each once")
        if self.stale_policy is StalePolicy.safe_mode and self.stale_after_s is None:
            raise ValueError(
                "stale_after_s is required when stale_policy is safe_mode: "
                "say after how many seconds without fresh lever state to fall to safe mode"
            )
        return self


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    reversible: bool
    description: str


class SurfaceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: SurfaceKind


class SystemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    description: str
    owner: str
    risk_tier: RiskTier
    environments: list[str]
    fallback: str
    stale_policy: StalePolicy
    stale_after_s: int | None
    retention_days: int | None = None
    hold_severity: int = 1
    actions: list[ActionRead]
    surfaces: list[SurfaceRead]
    created_at: datetime
    updated_at: datetime


class SystemUpsertRead(BaseModel):
    action: ChangeAction
    changes: dict[str, tuple[Any, Any]] = Field(description="field: [before, after]")
    system: SystemRead


class SurfaceVersionRef(BaseModel):
    kind: SurfaceKind
    number: int
    content_hash: str


class SurfaceVersionContent(SurfaceVersionRef):
    content: dict[str, Any]


class SurfaceVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    content_hash: str
    content: dict[str, Any]
    created_at: datetime
    created_by: str


class ReleaseCreate(_Input):
    name: Name = Field(description="Unique per system, e.g. 2024-06-01 or v42.")
    notes: str = Field(default="", max_length=5000)
    surfaces: dict[Name, dict[str, Any]] = Field(
        default_factory=dict,
        description="surface name -> content (a JSON object); surfaces not named carry over "
        "from the newest release.",
    )
    expect_shift: list[Name] = Field(
        default_factory=list,
        max_length=100,
        description="Monitors this release is meant to move (e.g. a new prompt that changes "
        "answer lengths): they learn a new baseline under it instead of testing it against "
        "the known-good release's. Names of the system's monitors.",
    )


def _refs(release: Release) -> dict[str, SurfaceVersionRef]:
    items = sorted(release.items, key=lambda item: item.surface.name)
    return {
        item.surface.name: SurfaceVersionRef(
            kind=SurfaceKind(item.surface.kind),
            number=item.version.number,
            content_hash=item.version.content_hash,
        )
        for item in items
    }


class ReleaseRead(BaseModel):
    name: str
    notes: str
    known_good: bool
    known_good_at: datetime | None
    expect_shift: list[str]
    created_at: datetime
    created_by: str
    surfaces: dict[str, SurfaceVersionRef]

    @classmethod
    def of(cls, release: Release) -> ReleaseRead:
        return cls(
            name=release.name,
            notes=release.notes,
            known_good=release.known_good,
            known_good_at=release.known_good_at,
            expect_shift=list(release.expect_shift),
            created_at=release.created_at,
            created_by=release.created_by,
            surfaces=_refs(release),
        )


class KnownGoodRequest(_Input):
    reason: str = Field(default="", max_length=2000, description="Why; kept in the audit log.")


class ActivateRequest(_Input):
    environment: EnvironmentName
    reason: str = Field(default="", max_length=2000, description="Why; kept in the audit log.")
    incident_id: IncidentId = None


class DeploymentRead(BaseModel):
    environment: str
    release: str
    activated_at: datetime
    activated_by: str
    reason: str
    incident_id: int | None

    @classmethod
    def of(cls, deployment: Deployment) -> DeploymentRead:
        return cls(
            environment=deployment.environment,
            release=deployment.release.name,
            activated_at=deployment.activated_at,
            activated_by=deployment.activated_by,
            reason=deployment.reason,
            incident_id=deployment.incident_id,
        )


def _content(version: SurfaceVersion, kind: str) -> SurfaceVersionContent:
    return SurfaceVersionContent(
        kind=SurfaceKind(kind),
        number=version.number,
        content_hash=version.content_hash,
        content=version.content,
    )


class ActiveRead(DeploymentRead):
    """The release in force in one environment, with each surface's content."""

    surfaces: dict[str, SurfaceVersionContent]

    @classmethod
    def of(cls, deployment: Deployment) -> ActiveRead:
        items = sorted(deployment.release.items, key=lambda item: item.surface.name)
        return cls(
            **DeploymentRead.of(deployment).model_dump(),
            surfaces={i.surface.name: _content(i.version, i.surface.kind) for i in items},
        )


class RollbackRequest(_Input):
    environment: EnvironmentName
    surface: Name | None = Field(
        default=None, description="Roll back only this surface; omit to roll back the release."
    )
    to: str = Field(
        default=KNOWN_GOOD,
        min_length=1,
        max_length=NAME_MAX,
        description=f"'{KNOWN_GOOD}' (the newest known-good release) or a release name.",
    )
    reason: str = Field(max_length=2000, description="Why; required, kept in the audit log.")
    incident_id: IncidentId = None


class RollbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    environment: str
    from_release: str
    to_release: str
    surfaces_changed: list[str]


class ReleaseSurfaceState(BaseModel):
    """One surface of the release in force, as SDKs receive it on the lever stream."""

    kind: SurfaceKind
    version: int = Field(description="The surface version number.")
    hash: str = Field(description="SHA-256 of the content's canonical JSON; SDKs check it.")
    size: int = Field(description="Bytes of that canonical JSON.")
    content: dict[str, Any] | None = Field(
        description="The content; null when larger than the stream carries, then fetch it "
        "from GET /systems/{name}/surfaces/{surface}/content/{hash}."
    )


class ReleaseState(BaseModel):
    """The release in force in one (system, environment): a ``release`` stream event."""

    system: str
    environment: str
    release: str
    revision: int = Field(description="Lever-stream revision of the activation or rollback.")
    activated_at: datetime
    activated_by: str
    surfaces: dict[str, ReleaseSurfaceState]
