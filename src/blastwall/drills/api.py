"""Routes of drills: start (commander), follow, end, steps, and the demo's fault feed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from blastwall.drills import report, service
from blastwall.drills.models import DrillRun
from blastwall.drills.scenarios import SPECS, spec_of
from blastwall.drills.schemas import (
    DrillEnd,
    DrillRead,
    DrillStart,
    DrillStep,
    FaultsRead,
    ScenarioRead,
)
from blastwall.inputs import RowId
from blastwall.server.deps import Commander, DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["drills"], responses=AUTHENTICATED)


def _read(session: Session, run: DrillRun) -> DrillRead:
    return DrillRead.of(run, service.measurements(session, run), spec_of(run.scenario).title)


@router.get("/drills/scenarios", response_model=ItemsPage[ScenarioRead])
def list_drill_scenarios(_: Viewer) -> ItemsPage[ScenarioRead]:
    """Every scenario a drill can run, with the monitor expected to catch it."""
    items = [
        ScenarioRead(
            name=spec.scenario.value,
            title=spec.title,
            expected_monitor=spec.expected_monitor,
            harm_signature=spec.signature,
            through="registry" if spec.through_registry else "demo",
        )
        for spec in SPECS.values()
    ]
    return ItemsPage[ScenarioRead](items=items, next_cursor=None)


@router.get("/drills/faults", response_model=FaultsRead, responses=ONE)
def drill_faults(
    session: DbSession, _: Viewer, system: str, environment: str = "prod"
) -> FaultsRead:
    """The faults a demo of ``system`` applies now: those of its running live drills."""
    runs, faults = service.faults(session, system, environment)
    return FaultsRead(system=system, environment=environment, runs=runs, faults=faults)


@router.post("/drills", response_model=DrillRead, status_code=201, responses=WRITE)
def start_drill(body: DrillStart, session: DbSession, actor: Commander) -> DrillRead:
    return _read(session, service.start(session, body, actor))


@router.get("/drills", response_model=ItemsPage[DrillRead], responses=ONE)
def list_drills(session: DbSession, _: Viewer, page: Paging) -> ItemsPage[DrillRead]:
    return ItemsPage.of(service.page_runs(session, page), lambda r: _read(session, r))


@router.get("/drills/{run_id}", response_model=DrillRead, responses=ONE)
def get_drill(run_id: RowId, session: DbSession, _: Viewer) -> DrillRead:
    return _read(session, service.get_run(session, run_id))


@router.get(
    "/drills/{run_id}/report",
    response_class=PlainTextResponse,
    responses={**ONE, 200: {"content": {"text/markdown": {}}}},
)
def drill_report(run_id: RowId, session: DbSession, _: Viewer) -> PlainTextResponse:
    """The run's report in Markdown."""
    text = report.markdown(_read(session, service.get_run(session, run_id)))
    return PlainTextResponse(text, media_type="text/markdown")


@router.post("/drills/{run_id}/end", response_model=DrillRead, responses=WRITE)
def end_drill(run_id: RowId, body: DrillEnd, session: DbSession, actor: Commander) -> DrillRead:
    return _read(session, service.end(session, run_id, actor, reason=body.reason))


@router.post("/drills/{run_id}/acknowledge", response_model=DrillRead, responses=WRITE)
def acknowledge_drill_incident(run_id: RowId, session: DbSession, actor: Responder) -> DrillRead:
    return _read(session, service.acknowledge(session, run_id, actor))


@router.post("/drills/{run_id}/steps", response_model=DrillRead, responses=WRITE)
def add_drill_step(
    run_id: RowId, body: DrillStep, session: DbSession, actor: Responder
) -> DrillRead:
    return _read(session, service.add_step(session, run_id, body, actor))
