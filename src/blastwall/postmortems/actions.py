"""Action items (L2): owner, due date, category, open -> done; each change recorded.

An item belongs to an incident and, when the incident has a postmortem, to it as well.
Overdue means still open after its due date (UTC).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.db.pagination import Page, PageQuery, paginate
from blastwall.exceptions import Conflict, NotFound
from blastwall.incidents import service as incidents
from blastwall.postmortems import service as postmortems
from blastwall.postmortems.enums import DEFAULT_CREATES, ActionStatus, Category
from blastwall.postmortems.models import ActionItem
from blastwall.postmortems.schemas import ActionItemCreate


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).date()


def is_overdue(item: ActionItem, now: datetime | None = None) -> bool:
    return item.status == ActionStatus.open and item.due < today(now)


def get(session: Session, item_id: int, *, for_update: bool = False) -> ActionItem:
    item = session.get(ActionItem, item_id, with_for_update=for_update or None)
    if item is None:
        raise NotFound(f"action item {item_id} does not exist; `blastwall actions list` shows them")
    return item


def _matching(
    *,
    incident_id: int | None,
    status: ActionStatus | None,
    overdue: bool,
    now: datetime | None,
) -> Select[ActionItem]:
    query = select(ActionItem)
    if incident_id is not None:
        query = query.where(ActionItem.incident_id == incident_id)
    if overdue:
        query = query.where(ActionItem.status == ActionStatus.open, ActionItem.due < today(now))
    elif status is not None:
        query = query.where(ActionItem.status == status.value)
    return query


def list_(
    session: Session,
    *,
    incident_id: int | None = None,
    status: ActionStatus | None = None,
    overdue: bool = False,
    now: datetime | None = None,
    page: PageQuery | None = None,
) -> Page[ActionItem]:
    """Items in the order added, optionally one incident's, a status or overdue."""
    if incident_id is not None:
        incidents.get(session, incident_id)
    query = _matching(incident_id=incident_id, status=status, overdue=overdue, now=now)
    return paginate(session, query, keys=[ActionItem.id], list_name="action items", page=page)


def for_incident(session: Session, incident_id: int) -> list[ActionItem]:
    """Every item of the incident, by due date (the postmortem and the console show them)."""
    query = _matching(incident_id=incident_id, status=None, overdue=False, now=None)
    return list(session.scalars(query.order_by(ActionItem.due, ActionItem.id)))


def _system(session: Session, incident_id: int) -> str | None:
    incident = incidents.get(session, incident_id)
    return incident.system.name if incident.system is not None else None


def add(session: Session, data: ActionItemCreate, actor: Actor) -> ActionItem:
    """Add an item to an incident (and its postmortem, if drafted)."""
    incidents.get(session, data.incident_id)
    postmortem = postmortems.get(session, data.incident_id)
    creates = data.creates or DEFAULT_CREATES.get(data.category)
    item = ActionItem(
        incident_id=data.incident_id,
        postmortem_id=postmortem.id if postmortem is not None else None,
        title=data.title,
        description=data.description,
        owner=data.owner,
        due=data.due,
        category=data.category.value,
        status=ActionStatus.open.value,
        creates=creates.value if creates else None,
        created_by=actor.name,
    )
    session.add(item)
    session.flush()
    fields = {
        "title": item.title,
        "owner": item.owner,
        "due": item.due.isoformat(),
        "category": item.category,
        "creates": item.creates,
    }
    record(
        session,
        Change(
            actor=actor,
            action="action_item.add",
            target=f"action_item:{item.id}",
            after=fields,
            incident_id=item.incident_id,
            system=_system(session, item.incident_id),
            timeline=(
                f"action item {item.id} added: {item.title} ({Category(item.category).value}, "
                f"owner {item.owner}, due {item.due.isoformat()})"
            ),
            data={"action_item_id": item.id, **fields},
        ),
    )
    return item


def done(session: Session, item_id: int, actor: Actor, *, resolution: str = "") -> ActionItem:
    """Open -> done, with who, when and what was done."""
    item = get(session, item_id, for_update=True)
    if item.status == ActionStatus.done:
        raise Conflict(
            f"action item {item_id} is already done (by {item.done_by}); nothing to change",
            current=item.status,
        )
    item.status = ActionStatus.done.value
    item.done_at = utcnow()
    item.done_by = actor.name
    item.resolution = resolution
    record(
        session,
        Change(
            actor=actor,
            action="action_item.done",
            target=f"action_item:{item.id}",
            reason=resolution,
            before={"status": ActionStatus.open.value},
            after={"status": item.status},
            incident_id=item.incident_id,
            system=_system(session, item.incident_id),
            timeline=f"action item {item.id} done: {item.title}"
            + (f" ({resolution})" if resolution else ""),
            data={"action_item_id": item.id},
        ),
    )
    return item
