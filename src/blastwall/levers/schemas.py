"""API shapes of the levers domain: lever changes, lever state, the audit log, authority."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from blastwall.access.enums import Role
from blastwall.inputs import Input, RowId
from blastwall.levers.enums import ALL_ENVIRONMENTS, ANY, CUSTOM_FILTER_PREFIX, Filter, Lever
from blastwall.levers.filter_rules import (
    PATTERNS_MAX,
    TERM_MAX,
    TERMS_MAX,
    FilterStage,
    pattern_problem,
)
from blastwall.registry.schemas import ReleaseState

if TYPE_CHECKING:
    from blastwall.levers.models import LeverState

SLUG = r"^[a-z0-9][a-z0-9._-]{0,99}$"
PERSON = r"^[a-z0-9][a-z0-9._@-]{0,99}$"
ITEM_MAX = 200
FILTER_CHOICES = ", ".join(f.value for f in Filter) + f" or {CUSTOM_FILTER_PREFIX}<name>"


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_lever_value", message)


def _names(values: list[str], what: str, example: str, *, limit: int = ITEM_MAX) -> list[str]:
    """Strip, refuse blanks, drop duplicates and sort, so equal sets compare equal."""
    cleaned = set()
    for index, raw in enumerate(values):
        value = raw.strip()
        if not value:
            raise _invalid(f"item {index} is empty: give each {what} by name, e.g. {example!r}")
        if len(value) > limit:
            raise _invalid(f"item {index} is longer than {limit} characters")
        cleaned.add(value)
    return sorted(cleaned)


def filter_problem(name: str) -> str | None:
    """Say what is wrong with ``name`` as an emergency filter, or None if it is known."""
    if name in Filter.__members__:
        return None
    custom = name.removeprefix(CUSTOM_FILTER_PREFIX)
    if custom != name and re.fullmatch(SLUG, custom):
        return None
    return f"{name!r} is not a known filter: use {FILTER_CHOICES} (e.g. custom:refund-terms)"


class LeverSet(Input):
    """The levers to set; a lever left out keeps its current value."""

    model_config = ConfigDict(extra="forbid")

    killed: StrictBool = Field(default=False, description="C1: refuse every AI call.")
    human_fallback: StrictBool = Field(
        default=False, description="C2: send work the AI handled to a human queue."
    )
    safe_mode: StrictBool = Field(
        default=False, description="C3: templated, retrieval-only or rule-based answers."
    )
    reroute_model: str | None = Field(
        default=None,
        max_length=ITEM_MAX,
        description="C4: send calls to this fallback model; null stops rerouting.",
    )
    filters: list[str] = Field(
        default_factory=list,
        max_length=50,
        description=f"C5: emergency filters switched on ({FILTER_CHOICES}); replaces the list.",
    )
    filter_terms: list[str] = Field(
        default_factory=list,
        max_length=TERMS_MAX,
        description=(
            "C5: words or phrases every SDK blocks (whole words, any case), with no app "
            f"registration; at most {TERMS_MAX} of {TERM_MAX} characters; replaces the list."
        ),
    )
    filter_patterns: list[str] = Field(
        default_factory=list,
        max_length=PATTERNS_MAX,
        description=(
            f"C5: regular expressions every SDK blocks; at most {PATTERNS_MAX}, in a safe "
            "subset (no nested quantifiers, backreferences or lookarounds); replaces the list."
        ),
    )
    filter_stage: FilterStage = Field(
        default="both",
        description="C5: where filter_terms and filter_patterns apply: input, output or both.",
    )
    disabled_tools: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="C6: tools the system may not call; replaces the list.",
    )
    retrieval_sources: list[str] | None = Field(
        default=None,
        max_length=200,
        description="C6: the only retrieval sources allowed; null allows every source.",
    )

    @field_validator("reroute_model")
    @classmethod
    def _model_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value:
            raise _invalid("must be a model name such as 'gpt-4o-mini', or null to stop rerouting")
        return value

    @field_validator("filters")
    @classmethod
    def _known_filters(cls, values: list[str]) -> list[str]:
        names = _names(values, "filter", "pii")
        for name in names:
            problem = filter_problem(name)
            if problem:
                raise _invalid(problem)
        return names

    @field_validator("filter_terms")
    @classmethod
    def _terms(cls, values: list[str]) -> list[str]:
        return _names(values, "term", "chargeback trick", limit=TERM_MAX)

    @field_validator("filter_patterns")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        for index, pattern in enumerate(values):
            problem = pattern_problem(pattern)
            if problem:
                raise _invalid(f"item {index}: {problem}")
        return sorted(set(values))

    @field_validator("disabled_tools")
    @classmethod
    def _tools(cls, values: list[str]) -> list[str]:
        return _names(values, "tool", "send_email")

    @field_validator("retrieval_sources")
    @classmethod
    def _sources(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _names(values, "retrieval source", "kb-public")


class _Scoped(Input):
    model_config = ConfigDict(extra="forbid")

    environment: str = Field(
        default=ALL_ENVIRONMENTS,
        min_length=1,
        max_length=50,
        description="One of the system's environments, or '*' for all of them.",
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="Why: recorded in the audit log and timeline."
    )
    incident_id: RowId | None = Field(
        default=None, description="The incident this change is for; adds a timeline entry."
    )

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise _invalid("is required: say why, e.g. 'refund classifier routes 9% to fraud'")
        return value


class LeverChangeRequest(_Scoped):
    """Body of POST /systems/{name}/levers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "environment": "prod",
                    "reason": "refund classifier routes 9% to fraud",
                    "set": {"safe_mode": True, "disabled_tools": ["issue-refund"]},
                }
            ]
        }
    )

    set: LeverSet = Field(description="The levers to set; at least one.")


class LeverActionRequest(_Scoped):
    """Body of POST /systems/{name}/kill and /restore."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"environment": "*", "reason": "leaking order data to other customers"}]
        }
    )


class LeverStateRead(BaseModel):
    """The levers in force for one system in one environment, as SDKs receive them."""

    system: str
    environment: str = Field(description="'*' means every environment of the system.")
    killed: bool
    human_fallback: bool
    safe_mode: bool
    reroute_model: str | None
    filters: list[str]
    filter_terms: list[str]
    filter_patterns: list[str]
    filter_stage: str = Field(description="Where filter_terms and filter_patterns apply.")
    disabled_tools: list[str]
    retrieval_sources: list[str] | None
    revision: int = Field(description="Global lever revision of this state; 0 = never changed.")
    updated_at: datetime
    updated_by: str
    stale_policy: str = Field(description="C9: keep_last or safe_mode when the SDK is stale.")
    stale_after_s: int | None

    @classmethod
    def from_state(cls, state: LeverState) -> LeverStateRead:
        return cls(
            system=state.system.name,
            environment=state.environment,
            killed=state.killed,
            human_fallback=state.human_fallback,
            safe_mode=state.safe_mode,
            reroute_model=state.reroute_model,
            filters=list(state.filters),
            filter_terms=list(state.filter_terms),
            filter_patterns=list(state.filter_patterns),
            filter_stage=state.filter_stage,
            disabled_tools=list(state.disabled_tools),
            retrieval_sources=(
                None if state.retrieval_sources is None else list(state.retrieval_sources)
            ),
            revision=state.revision,
            updated_at=state.updated_at,
            updated_by=state.updated_by,
            stale_policy=state.system.stale_policy,
            stale_after_s=state.system.stale_after_s,
        )


class LeverChangeRead(LeverStateRead):
    """The state after a change; ``changed`` is false when nothing differed (no new revision)."""

    changed: bool
    audit_seq: int | None = Field(description="The audit entry recording the change, if any.")


class ModelKillRequest(Input):
    """Body of POST /models/kill and /models/restore: a model family, in every system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"prefix": "gpt-4o-2024", "reason": "snapshot returns empty answers"}]
        },
    )

    # At least 3 characters once trimmed (levers.model_kills.PREFIX_MIN): a shorter prefix
    # would kill nearly every model. The OpenAPI states the rule; the service checks it and
    # answers with the fix (a plain "too short" from validation would not say why).
    prefix: str = Field(
        min_length=1,
        max_length=200,
        json_schema_extra={"minLength": 3, "pattern": r"\S[\s\S]+\S"},
        description="A model id or the start of one (3 or more characters, spaces trimmed): "
        "calls to any model starting with it stop.",
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why: audit log, timeline.")
    incident_id: RowId | None = Field(default=None, description="The incident it is for.")


class ModelKillRead(BaseModel):
    """A model-family kill as SDKs receive it; ``killed`` false once restored."""

    model_config = ConfigDict(from_attributes=True)

    prefix: str
    killed: bool
    revision: int = Field(description="Global lever revision of this kill or restore.")
    updated_at: datetime
    updated_by: str


class ModelKillChangeRead(ModelKillRead):
    """The kill after a change; ``changed`` is false when it was already so."""

    changed: bool
    audit_seq: int | None


class LeverFeed(BaseModel):
    """GET /levers: states newer than ``since`` and the revision to ask from next time."""

    revision: int = Field(description="The newest lever revision; pass it as since next time.")
    states: list[LeverStateRead]
    releases: list[ReleaseState] = Field(
        default_factory=list,
        description="The release in force per environment, where it changed after since.",
    )
    model_kills: list[ModelKillRead] = Field(
        default_factory=list,
        description="Model-family kills and restores after since (every system obeys them).",
    )


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    incident_id: int | None
    prev_hash: str
    scheme: str = Field(description='"sha256", or "hmac-sha256:<key id>" for a keyed entry.')
    hash: str


class AuditHeadRead(BaseModel):
    """GET /audit/head: keep ``head`` elsewhere; ``audit verify --since-head`` checks it."""

    seq: int = Field(description="The newest entry's sequence number (0: the log is empty).")
    hash: str = Field(description="The newest entry's hash.")
    head: str = Field(description="SEQ:HASH, the value to keep and pass to since_head.")
    counter: int = Field(
        description="Entries ever appended; above seq only when entries were deleted."
    )


class VerificationRead(BaseModel):
    ok: bool
    entries: int = Field(description="Entries checked and found intact before any break.")
    first_broken_seq: int | None
    problem: str | None
    counter: int = Field(description="Entries ever appended, from the sequence counter.")
    keyed_from_seq: int | None = Field(
        description="The first HMAC-keyed entry; earlier ones predate the audit key."
    )
    since_head: str | None = Field(
        description="The kept head (SEQ:HASH) this check confirmed unchanged, if one was given."
    )


SUBJECT_HELP = (
    "role:<responder|commander|admin>, person:<token name> or policy:<policy name>, e.g. "
    "role:responder or person:alice"
)


class AuthorityRuleSpec(Input):
    """I4: ``subject`` may pull ``lever`` on ``system`` without asking anyone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str = Field(description=SUBJECT_HELP)
    lever: str = Field(
        description="A lever (" + ", ".join(lv.value for lv in Lever) + ") or '*' for all."
    )
    system: str = Field(default=ANY, description="A system name, or '*' for every system.")

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        kind, _, name = value.partition(":")
        if kind == "role" and name in Role.__members__:
            if name in (Role.viewer, Role.alerts):
                who = "viewers" if name == Role.viewer else "alerts tokens (they only send alerts)"
                raise _invalid(
                    f"{who} cannot change levers; name role:responder or higher, or a person"
                )
            return value
        if kind in ("person", "policy") and re.fullmatch(PERSON, name):
            return value
        raise _invalid(f"{value!r} is not a subject: use {SUBJECT_HELP}")

    @field_validator("lever")
    @classmethod
    def _lever(cls, value: str) -> str:
        if value == ANY or value in Lever.__members__:
            return value
        choices = ", ".join(lv.value for lv in Lever)
        raise _invalid(f"{value!r} is not a lever: use one of {choices}, or '*'")

    @field_validator("system")
    @classmethod
    def _system(cls, value: str) -> str:
        if value == ANY or re.fullmatch(SLUG, value):
            return value
        raise _invalid(f"{value!r} is not a system name: use a system's name or '*'")


class AuthorityRuleRead(BaseModel):
    subject: str
    lever: str
    system: str
