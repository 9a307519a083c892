"""Routes for regulator reporting: regimes per system, decisions, facts, anchors, clocks,
report drafts and submission. Viewers read; responders record facts, anchors and drafts;
commanders decide reportability and submit; admins set a system's regimes."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from sqlalchemy.orm import Session

from blastwall.incidents.timeline import require_incident
from blastwall.inputs import RowId
from blastwall.regulatory import clocks, regimes, reports, service
from blastwall.regulatory.models import Report
from blastwall.regulatory.schemas import (
    AnchorRead,
    AnchorSet,
    ClockRead,
    DecisionCreate,
    DecisionRead,
    FactSet,
    RegimeRead,
    RegimesPut,
    RegulatoryRead,
    ReportDraft,
    ReportRead,
)
from blastwall.server.deps import Admin, Commander, DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["regulatory"], responses=AUTHENTICATED)


def _items(found: list[clocks.Clock]) -> ItemsPage[ClockRead]:
    return ItemsPage[ClockRead](
        items=[ClockRead.model_validate(asdict(c)) for c in found], next_cursor=None
    )


def _regulatory(session: Session, incident_id: int) -> RegulatoryRead:
    incident = require_incident(session, incident_id)
    current = service.decisions(session, incident_id)
    return RegulatoryRead(
        incident_id=incident_id,
        decisions=[DecisionRead.model_validate(row) for row in current.values()],
        history=[DecisionRead.model_validate(r) for r in service.history(session, incident_id)],
        facts=service.facts(session, incident_id),
        anchors=[
            AnchorRead(name=a.name, at=a.at, set_by=a.set_by, reason=a.reason)
            for a in service.anchors(session, incident).values()
        ],
    )


def _report(report: Report, superseded: set[int]) -> ReportRead:
    read = ReportRead.model_validate(report)
    read.superseded = report.id in superseded
    return read


@router.get("/systems/{name}/regimes", response_model=list[RegimeRead], responses=ONE)
def get_regimes(name: str, session: DbSession, _: Viewer) -> list[RegimeRead]:
    return [RegimeRead.model_validate(r) for r in regimes.current(session, name)]


@router.put("/systems/{name}/regimes", response_model=list[RegimeRead], responses=WRITE)
def put_regimes(name: str, body: RegimesPut, session: DbSession, actor: Admin) -> list[RegimeRead]:
    """Replace the system's regimes (as its blastwall.yaml `regimes:` does)."""
    return [
        RegimeRead.model_validate(r) for r in regimes.replace(session, name, body.regimes, actor)
    ]


@router.get("/incidents/{incident_id}/regulatory", response_model=RegulatoryRead, responses=ONE)
def get_regulatory(incident_id: RowId, session: DbSession, _: Viewer) -> RegulatoryRead:
    return _regulatory(session, incident_id)


@router.post(
    "/incidents/{incident_id}/reportability", response_model=RegulatoryRead, responses=WRITE
)
def decide_reportability(
    incident_id: RowId, body: DecisionCreate, session: DbSession, actor: Commander
) -> RegulatoryRead:
    """Decide (or revise) whether the incident is reportable under one regime."""
    service.decide(
        session, incident_id, body.regime, body.decision, rationale=body.rationale, actor=actor
    )
    return _regulatory(session, incident_id)


@router.post("/incidents/{incident_id}/facts", response_model=RegulatoryRead, responses=WRITE)
def set_fact(
    incident_id: RowId, body: FactSet, session: DbSession, actor: Responder
) -> RegulatoryRead:
    service.set_fact(session, incident_id, body.name, body.value, reason=body.reason, actor=actor)
    return _regulatory(session, incident_id)


@router.post("/incidents/{incident_id}/anchors", response_model=RegulatoryRead, responses=WRITE)
def set_anchor(
    incident_id: RowId, body: AnchorSet, session: DbSession, actor: Responder
) -> RegulatoryRead:
    service.set_anchor(session, incident_id, body.name, body.at, reason=body.reason, actor=actor)
    return _regulatory(session, incident_id)


@router.get("/incidents/{incident_id}/clocks", response_model=ItemsPage[ClockRead], responses=ONE)
def incident_clocks(incident_id: RowId, session: DbSession, _: Viewer) -> ItemsPage[ClockRead]:
    return _items(clocks.for_incident(session, incident_id))


@router.get("/clocks", response_model=ItemsPage[ClockRead], responses=ONE)
def open_clocks(session: DbSession, _: Viewer) -> ItemsPage[ClockRead]:
    """Every clock of every open incident whose system falls under a regime."""
    return _items(clocks.for_open(session))


@router.post(
    "/incidents/{incident_id}/reports", response_model=ReportRead, status_code=201, responses=WRITE
)
def draft_report(
    incident_id: RowId, body: ReportDraft, session: DbSession, actor: Responder
) -> ReportRead:
    """Draft the next report of a regime from the record; it supersedes the previous one."""
    report = reports.draft(
        session, incident_id, body.regime, actor, stage=body.stage, fmt=body.format
    )
    return _report(report, set())


@router.get("/incidents/{incident_id}/reports", response_model=ItemsPage[ReportRead], responses=ONE)
def list_reports(incident_id: RowId, session: DbSession, _: Viewer) -> ItemsPage[ReportRead]:
    require_incident(session, incident_id)
    found = reports.lineage(session, incident_id)
    gone = reports.superseded_ids(found)
    return ItemsPage[ReportRead](items=[_report(r, gone) for r in found], next_cursor=None)


@router.get("/reports/{report_id}", response_model=ReportRead, responses=ONE)
def get_report(report_id: RowId, session: DbSession, _: Viewer) -> ReportRead:
    report = reports.get(session, report_id)
    gone = reports.superseded_ids(reports.lineage(session, report.incident_id))
    return _report(report, gone)


@router.post("/reports/{report_id}/submit", response_model=ReportRead, responses=WRITE)
def submit_report(report_id: RowId, session: DbSession, actor: Commander) -> ReportRead:
    """Mark the report as sent to its authority: ledger entry, clock met."""
    return _report(reports.submit(session, report_id, actor), set())
