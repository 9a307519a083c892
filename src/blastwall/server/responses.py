"""The problem+json answers each kind of route documents in the OpenAPI.

Every error leaves the API as one ``Problem`` body (server/errors.py). Routes declare the
statuses they can answer with through these shared mappings, so a generated client and
schemathesis's conformance checks see every status and body the server really sends.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from blastwall.server.errors import PROBLEM


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong and how to fix it; extra members add context."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not found",
                    "status": 404,
                    "detail": "no incident 42; `blastwall incident list` shows the incidents",
                }
            ]
        },
    )

    type: str = Field(default="about:blank")
    title: str = Field(description="Short, the same for every problem of this kind.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="This occurrence: what was wrong and how to fix it.")
    errors: list[dict[str, Any]] | None = Field(
        default=None,
        description="422 only: one entry per invalid input, with where it is (`field`, or "
        "`file`, `line` and `path` for a configuration) and a `message` saying how to fix it.",
    )


_WHY = {
    400: "The body could not be read: send UTF-8 JSON (gzip only where documented).",
    401: "No valid API token: send `Authorization: Bearer <token>`.",
    403: "The token's role may not do this; the detail names the role needed.",
    404: "Something the request names does not exist.",
    405: "The path exists but not with this method; `Allow` lists the methods.",
    409: "The request conflicts with the current state (e.g. a transition not allowed now).",
    413: "The request body is over the size limit.",
    422: "Invalid input: `errors` names each field and what is wrong with it.",
    429: "Too many failed authentications from this client; retry after `Retry-After`.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A ``responses=`` mapping documenting ``statuses`` as problem+json bodies."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {"description": _WHY[status], "content": {PROBLEM: {"schema": schema}}}
        for status in statuses
    }


AUTHENTICATED = problems(401, 422, 429)
"""Every route behind a token: bad token, bad parameter, auth throttle."""

ONE = problems(404)
"""A route that names a resource in its path or body that may not exist."""

WRITE = problems(400, 403, 404, 409, 413)
"""A route that changes state: an unreadable body, role too low, a named resource missing,
a conflict, a body over the limit."""
