"""Run a create once per idempotency key: a repeat returns what the first one created.

Clients (the SDK, the CLI) make one key per logical request and send it on every retry, so
a response lost on the way back never duplicates a hand-off, an approval or an incident.
A repeat with the same key and a different body is refused (422): it is a client bug.
Two repeats racing each other meet the unique constraint; the loser is told to retry
(409) and its retry gets the original.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.exceptions import Conflict, InvalidInput
from blastwall.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_HasId)


def once(
    session: Session,
    *,
    kind: str,
    key: str | None,
    body: BaseModel,
    actor: Actor,
    create: Callable[[], R],
    load: Callable[[int], R],
) -> R:
    """``create()`` unless ``key`` already created something; then ``load`` that instead."""
    if key is None:
        return create()
    digest = request_hash(body)
    seen = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.kind == kind, IdempotencyKey.key == key)
    )
    if seen is not None:
        if seen.request_hash != digest:
            raise InvalidInput(
                f"{HEADER} {key!r} was already used for a different {kind} request; "
                "send a new key for a new request, and the same body when retrying"
            )
        return load(seen.resource_id)
    created = create()
    session.add(
        IdempotencyKey(
            kind=kind,
            key=key,
            request_hash=digest,
            resource_id=created.id,
            created_by=actor.name,
        )
    )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"another {kind} request with {HEADER} {key!r} is in progress; "
            "retry with the same key to get its result"
        ) from None
    return created


def request_hash(body: BaseModel) -> str:
    """sha256 of the body as canonical JSON (sorted keys), so field order does not matter."""
    canonical = json.dumps(
        body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
