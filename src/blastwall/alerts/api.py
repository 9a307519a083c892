"""Routes that take alerts from other tools: Alertmanager's webhook and a generic JSON alert."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.alerts import service
from blastwall.alerts.schemas import AlertmanagerPayload, AlertResult, AlertsAccepted, GenericAlert
from blastwall.exceptions import Forbidden
from blastwall.server.deps import CurrentActor, DbSession
from blastwall.server.responses import AUTHENTICATED, WRITE

router = APIRouter(tags=["alerts"], responses=AUTHENTICATED)


def _sender(actor: CurrentActor) -> Actor:
    """An ``alerts`` token (which can do nothing else), or a responder and above."""
    if actor.role is Role.alerts or actor.role.at_least(Role.responder):
        return actor
    raise Forbidden(
        f"{actor.name} has role {actor.role.value}; sending alerts needs role alerts "
        "(`blastwall token create NAME --role alerts`) or responder or higher"
    )


Sender = Annotated[Actor, Depends(_sender)]


@router.post("/alerts/alertmanager", response_model=AlertsAccepted, responses=WRITE)
def receive_alertmanager(
    body: AlertmanagerPayload, session: DbSession, actor: Sender
) -> AlertsAccepted:
    """Alertmanager's webhook (payload version 4): each alert opens, joins or repeats."""
    return AlertsAccepted(alerts=service.receive_alertmanager(session, body, actor))


@router.post("/alerts", response_model=AlertResult, responses=WRITE)
def receive_alert(body: GenericAlert, session: DbSession, actor: Sender) -> AlertResult:
    """One alert from any tool (docs/alerts.md); deduplicated by source and fingerprint."""
    return service.receive_generic(session, body, actor)
