"""Routes for the communications ledger: one incident's messages, and a hash check."""

from __future__ import annotations

from fastapi import APIRouter

from blastwall.changes import references
from blastwall.comms import ledger
from blastwall.comms.schemas import LedgerEntryRead, LedgerVerifyRead
from blastwall.inputs import RowId
from blastwall.server.deps import DbSession, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE

router = APIRouter(tags=["communications"], responses=AUTHENTICATED)


@router.get(
    "/incidents/{incident_id}/ledger", response_model=ItemsPage[LedgerEntryRead], responses=ONE
)
def list_incident_ledger(
    incident_id: RowId, session: DbSession, _: Viewer, page: Paging
) -> ItemsPage[LedgerEntryRead]:
    """Every message sent or exported about the incident, oldest first, word for word."""
    references.require(session, "incident", incident_id)
    found = ledger.page_for_incident(session, incident_id, page)
    return ItemsPage.of(found, LedgerEntryRead.model_validate)


@router.get("/ledger/verify", response_model=LedgerVerifyRead)
def verify_ledger(
    session: DbSession, _: Viewer, incident_id: RowId | None = None
) -> LedgerVerifyRead:
    """Recompute each ledger entry's SHA-256 and name the entries whose text was altered."""
    found = ledger.verify(session, incident_id)
    return LedgerVerifyRead(
        checked=found.checked, mismatched=found.mismatched, ok=not found.mismatched
    )
