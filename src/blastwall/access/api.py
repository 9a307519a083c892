"""Token routes (admin only) and ``/whoami``."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.access import service
from blastwall.access.schemas import TokenCreate, TokenCreated, TokenRead
from blastwall.server.deps import Admin, CurrentActor, DbSession
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, WRITE

router = APIRouter(tags=["access"], responses=AUTHENTICATED)


@router.get("/whoami")
def whoami(actor: CurrentActor) -> dict[str, str]:
    return {"name": actor.name, "role": actor.role.value}


@router.get("/tokens", response_model=ItemsPage[TokenRead])
def list_tokens(session: DbSession, _: Admin, page: Paging) -> ItemsPage[TokenRead]:
    return ItemsPage.of(service.list_(session, page), TokenRead.model_validate)


@router.post("/tokens", response_model=TokenCreated, status_code=201, responses=WRITE)
def create_token(body: TokenCreate, session: DbSession, actor: Admin) -> TokenCreated:
    token, secret = service.create(session, name=body.name, role=body.role, actor=actor)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{name}", response_model=TokenRead, responses=WRITE)
def revoke_token(name: str, session: DbSession, actor: Admin) -> TokenRead:
    return TokenRead.model_validate(service.revoke(session, name, actor=actor))
