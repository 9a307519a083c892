"""API shapes of canary sets, targets and runs; inputs refuse unknown fields."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from blastwall.canaries import checks
from blastwall.canaries.enums import TargetKind
from blastwall.inputs import Input
from blastwall.registry.names import ENVIRONMENT_MAX, NAME_MAX, slug_pattern

MAX_CASES = 200
MIN_INTERVAL_S = 10
CALLABLE_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"

_INPUT = ConfigDict(extra="forbid")
Slug = Annotated[str, Field(pattern=slug_pattern(NAME_MAX))]


def _compiles(value: str) -> str:
    checks.compile_regex(value)
    return value


def _valid_schema(value: dict[str, Any]) -> dict[str, Any]:
    checks.check_schema(value)
    return value


class ContainsCheck(Input):
    model_config = _INPUT
    kind: Literal["contains"]
    value: str = Field(min_length=1, description="Text the output must contain.")
    ignore_case: bool = Field(default=False, description="Compare without regard to case.")


class RegexCheck(Input):
    model_config = _INPUT
    kind: Literal["regex"]
    pattern: Annotated[str, AfterValidator(_compiles)] = Field(
        description="Python regular expression searched for in the output."
    )
    ignore_case: bool = Field(default=False, description="Match without regard to case.")


class LabelCheck(Input):
    model_config = _INPUT
    kind: Literal["label"]
    value: str = Field(min_length=1, description="The label the target must return.")


class ExactCheck(Input):
    model_config = _INPUT
    kind: Literal["exact"]
    value: str = Field(description="The whole expected output.")
    strip: bool = Field(default=True, description="Ignore leading and trailing whitespace.")


class JsonSchemaCheck(Input):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)
    kind: Literal["json_schema"]
    schema_: Annotated[dict[str, Any], AfterValidator(_valid_schema)] = Field(
        alias="schema",
        description="JSON Schema (draft 2020-12 unless $schema names another) the output, "
        "parsed as JSON, must match; only local $ref (docs/canaries.md).",
    )


CheckSpec = Annotated[
    ContainsCheck | RegexCheck | LabelCheck | ExactCheck | JsonSchemaCheck,
    Field(discriminator="kind"),
]


class CanaryCase(Input):
    """One prompt and how its answer is judged."""

    model_config = _INPUT
    name: Slug = Field(description="Case name, unique in the set (a lower-case slug).")
    prompt: str = Field(min_length=1, max_length=20_000, description="What is sent.")
    check: CheckSpec = Field(description="How the answer is judged: {kind: ..., ...}.")


class CanarySetBody(Input):
    """The whole body of a canary set; a different body makes a new version."""

    model_config = _INPUT
    description: str = Field(default="", max_length=2000)
    interval_s: int | None = Field(
        default=None,
        ge=MIN_INTERVAL_S,
        le=7 * 86400,
        description="Seconds between scheduled runs; null: run only on demand and for the "
        "release gate.",
    )
    cases: list[CanaryCase] = Field(min_length=1, max_length=MAX_CASES)

    @model_validator(mode="after")
    def _unique_names(self) -> CanarySetBody:
        seen: set[str] = set()
        for index, case in enumerate(self.cases):
            if case.name in seen:
                raise ValueError(
                    f"cases.{index}.name: {case.name!r} is used twice; give each case its own name"
                )
            seen.add(case.name)
        return self

    def stored(self) -> dict[str, Any]:
        """Canonical JSON form, hashed to decide whether this is a new version."""
        return self.model_dump(mode="json", by_alias=True)


class CanarySetRead(BaseModel):
    system: str
    name: str
    version: int
    content_hash: str
    description: str
    interval_s: int | None
    cases: list[dict[str, Any]]
    created_at: datetime
    created_by: str


class CanarySetPutRead(CanarySetRead):
    created: bool = Field(description="False when the body equals the newest version.")


class TargetSpec(Input):
    """Where a system's canaries go, and whether releases must pass them before activation."""

    model_config = _INPUT
    kind: TargetKind = Field(description="python (an importable callable) or http.")
    callable: str | None = Field(
        default=None,
        pattern=CALLABLE_PATTERN,
        description="python: 'module.path:function', called as function(prompt, release=...)"
        " and returning the output text or {'output': ..., 'label': ...}.",
    )
    url: str | None = Field(default=None, max_length=2000, description="http: the endpoint.")
    method: Literal["POST", "PUT", "GET"] = Field(default="POST", description="http method.")
    body: Any = Field(
        default=None,
        description="http: JSON body template; '{prompt}', '{release}' and '{system}' in its "
        'strings are replaced. Default: {"prompt": "{prompt}", "release": "{release}"}.',
    )
    output_field: str = Field(default="output", min_length=1, max_length=100)
    label_field: str = Field(default="label", min_length=1, max_length=100)
    timeout_s: float = Field(default=10.0, gt=0, le=300, description="Per case.")
    environment: Annotated[str, Field(pattern=slug_pattern(ENVIRONMENT_MAX))] | None = Field(
        default=None,
        description="Scheduled runs test the release active here (default: the system's "
        "first environment); case results are sent as events of this environment.",
    )
    release_gate: bool = Field(
        default=False,
        description="R4: refuse to activate a release until every canary set has passed "
        "against it.",
    )

    @model_validator(mode="after")
    def _matches_kind(self) -> TargetSpec:
        if self.kind is TargetKind.python:
            if self.callable is None:
                raise ValueError(
                    "callable: required for a python target; give 'module.path:function'"
                )
            if self.url is not None:
                raise ValueError("url: only for an http target; drop it or set kind: http")
        else:
            if self.url is None:
                raise ValueError("url: required for an http target, e.g. http://host/canary")
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(
                    f"url: {self.url!r} is not an http(s) URL; give e.g. http://host:8080/canary"
                )
            if self.callable is not None:
                raise ValueError("callable: only for a python target; drop it or set kind: python")
        return self


class TargetRead(TargetSpec):
    model_config = ConfigDict(extra="ignore")
    system: str
    updated_at: datetime
    updated_by: str


class CaseResult(BaseModel):
    case: str
    prompt: str
    passed: bool
    output: str | None
    label: str | None
    reason: str
    latency_ms: float | None


class CanaryRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    system: str
    set_name: str
    set_version: int
    release: str | None
    environment: str | None
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    passed: int
    failed: int
    emitted: bool
    results: list[CaseResult]
    started_by: str


def callable_problem(value: str) -> str | None:
    """Why ``value`` is not 'module.path:function', or None."""
    if re.fullmatch(CALLABLE_PATTERN, value):
        return None
    return f"{value!r} is not 'module.path:function' (e.g. blastwall.demo.canary_target:answer)"
