"""Route for config as code: POST /apply makes Blastwall match a blastwall.yaml (P4)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from blastwall.canaries.policy import TargetPolicy
from blastwall.config_as_code.apply import apply_data
from blastwall.config_as_code.schemas import ApplyRequest, ApplyResult
from blastwall.server.deps import Admin, DbSession
from blastwall.server.responses import AUTHENTICATED, WRITE

router = APIRouter(tags=["config"], responses=AUTHENTICATED)


@router.post("/apply", response_model=ApplyResult, responses=WRITE)
def apply_config(
    body: ApplyRequest, request: Request, session: DbSession, actor: Admin
) -> ApplyResult:
    policy = TargetPolicy.of(request.app.state.settings)
    plan = apply_data(session, body.document, actor=actor, dry_run=body.dry_run, policy=policy)
    return ApplyResult.of(plan, applied=not body.dry_run)
