"""API shapes for tokens and the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from blastwall.access.enums import Role
from blastwall.inputs import Input

NAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{0,99}$"


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a token's name and role."""

    name: str
    role: Role


class TokenCreate(Input):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "ci-bot", "role": "responder"}]}
    )

    name: str = Field(pattern=NAME_PATTERN, description="Lower-case name, e.g. alice or ci-bot.")
    role: Role


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret; shown once, store it now.")
