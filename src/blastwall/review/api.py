"""Routes: review settings per system, the queue (claim, mark, list) and measured accuracy.

Claiming the next item changes state (the item becomes the reviewer's), so it is a POST: a
GET must be safe to repeat or prefetch.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from blastwall.inputs import RowId
from blastwall.review import service
from blastwall.review.enums import Status
from blastwall.review.models import ReviewItem
from blastwall.review.schemas import (
    AccuracyRead,
    IntervalRead,
    MarkBody,
    ReviewConfigRead,
    ReviewConfigUpdate,
    ReviewItemDetail,
    ReviewItemRead,
)
from blastwall.review.wilson import Interval
from blastwall.server.deps import Commander, DbSession, Responder, Viewer
from blastwall.server.pagination import ItemsPage, Paging
from blastwall.server.responses import AUTHENTICATED, ONE, WRITE

router = APIRouter(tags=["review"], responses=AUTHENTICATED)


def _config(settings: service.Settings) -> ReviewConfigRead:
    return ReviewConfigRead.model_validate(settings, from_attributes=True)


def _detail(session: Session, item: ReviewItem) -> ReviewItemDetail:
    trace = service.trace_of(session, item)
    return ReviewItemDetail.model_validate(
        {
            **ReviewItemRead.model_validate(item).model_dump(),
            "input_text": trace.input_text if trace else None,
            "output_text": trace.output_text if trace else None,
            "label": trace.label if trace else None,
        }
    )


def _interval(interval: Interval) -> IntervalRead:
    return IntervalRead(
        accuracy=interval.estimate,
        low=interval.low,
        high=interval.high,
        n=interval.n,
        correct=interval.successes,
    )


@router.get("/systems/{name}/review-config", response_model=ReviewConfigRead, responses=ONE)
def get_config(name: str, session: DbSession, _: Viewer) -> ReviewConfigRead:
    return _config(service.get_config(session, name))


@router.put("/systems/{name}/review-config", response_model=ReviewConfigRead, responses=WRITE)
def put_config(
    name: str, body: ReviewConfigUpdate, session: DbSession, actor: Commander
) -> ReviewConfigRead:
    return _config(service.configure(session, name, body, actor))


@router.post(
    "/review/next",
    response_model=ReviewItemDetail,
    responses={204: {"description": "Nothing to review."}, **WRITE},
)
def claim_next(
    session: DbSession, actor: Responder, system: str | None = None
) -> ReviewItemDetail | Response:
    item = service.next_item(session, actor.name, system=system)
    if item is None:
        return Response(status_code=204)
    return _detail(session, item)


@router.get("/review", response_model=ItemsPage[ReviewItemRead], responses=ONE)
def list_items(
    session: DbSession,
    _: Viewer,
    page: Paging,
    system: str | None = None,
    status: Status | None = None,
) -> ItemsPage[ReviewItemRead]:
    items = service.list_(session, system=system, status=status, page=page)
    return ItemsPage.of(items, ReviewItemRead.model_validate)


@router.get("/review/{item_id}", response_model=ReviewItemDetail, responses=ONE)
def get_item(item_id: RowId, session: DbSession, _: Viewer) -> ReviewItemDetail:
    return _detail(session, service.get(session, item_id))


@router.post("/review/{item_id}", response_model=ReviewItemRead, responses=WRITE)
def mark(item_id: RowId, body: MarkBody, session: DbSession, actor: Responder) -> ReviewItemRead:
    item = service.mark(session, item_id, body.verdict, actor.name, note=body.note)
    return ReviewItemRead.model_validate(item)


@router.get("/systems/{name}/accuracy", response_model=AccuracyRead, responses=ONE)
def accuracy(
    name: str,
    session: DbSession,
    _: Viewer,
    window: Annotated[int | None, Query(ge=10, le=100_000)] = None,
) -> AccuracyRead:
    found = service.accuracy(session, name, window=window)
    return AccuracyRead(
        system=found.system,
        baseline=_interval(found.baseline),
        baseline_size=found.baseline_size,
        baseline_complete=found.baseline.n >= found.baseline_size,
        current=_interval(found.current),
        window=found.window,
        drop=found.drop,
        queue=found.queue,
    )
