"""Route for config as code: POST /apply makes Blastwall match a blastwall.yaml (P4)."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.config_as_code.apply import apply_data
from blastwall.config_as_code.schemas import ApplyRequest, ApplyResult
from blastwall.server.deps import Admin, DbSession

router = APIRouter(tags=["config"])


@router.post("/apply", response_model=ApplyResult)
def apply_config(body: ApplyRequest, session: DbSession, actor: Admin) -> ApplyResult:
    plan = apply_data(session, body.document, actor=actor, dry_run=body.dry_run)
    return ApplyResult.of(plan, applied=not body.dry_run)
