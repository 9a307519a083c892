"""Token routes (admin only) and ``/whoami``."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.access import service
from blastwall.access.schemas import TokenCreate, TokenCreated, TokenRead
from blastwall.server.deps import Admin, CurrentActor, DbSession
from blastwall.server.responses import AUTHENTICATED, WRITE

router = APIRouter(tags=["access"], responses=AUTHENTICATED)


@router.get("/whoami")
def whoami(actor: CurrentActor) -> dict[str, str]:
    return {"name": actor.name, "role": actor.role.value}


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: DbSession, _: Admin) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in service.list_(session)]


@router.post("/tokens", response_model=TokenCreated, status_code=201, responses=WRITE)
def create_token(body: TokenCreate, session: DbSession, actor: Admin) -> TokenCreated:
    token, secret = service.create(session, name=body.name, role=body.role, actor=actor)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{name}", response_model=TokenRead, responses=WRITE)
def revoke_token(name: str, session: DbSession, actor: Admin) -> TokenRead:
    return TokenRead.model_validate(service.revoke(session, name, actor=actor))
