"""Routes of policies: read only; policies change by applying ``blastwall.yaml``."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.policies import service
from blastwall.policies.schemas import PolicyRead
from blastwall.server.deps import DbSession, Viewer
from blastwall.server.pagination import ItemsPage
from blastwall.server.responses import AUTHENTICATED

router = APIRouter(tags=["policies"], responses=AUTHENTICATED)


@router.get("/policies", response_model=ItemsPage[PolicyRead])
def list_containment_policies(session: DbSession, _: Viewer) -> ItemsPage[PolicyRead]:
    """Every auto-containment policy by name (a short hand-written list: one page)."""
    items = [PolicyRead.of(view) for view in service.list_(session)]
    return ItemsPage[PolicyRead](items=items, next_cursor=None)
