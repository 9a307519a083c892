"""Postmortems: draft from the record, edit, submit for review, publish (L1).

Each step is one recorded change (``postmortem.draft|edit|submit|publish``) on the
incident's timeline, with who and when. A re-draft rewrites the generated sections and
keeps every section a person edited; publishing moves the incident to postmortem_done
through the incidents service, which sets its ``postmortem_done_at``.

Services never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.db.base import utcnow
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Status
from blastwall.postmortems import draft as drafting
from blastwall.postmortems.enums import PostmortemStatus
from blastwall.postmortems.models import ActionItem, Postmortem


def get(session: Session, incident_id: int) -> Postmortem | None:
    """The incident's stored postmortem, or None if none was drafted (the console reads it)."""
    return session.scalar(select(Postmortem).where(Postmortem.incident_id == incident_id))


def require(session: Session, incident_id: int, *, for_update: bool = False) -> Postmortem:
    """The incident's postmortem, or NotFound saying how to draft one."""
    incidents.get(session, incident_id)
    query = select(Postmortem).where(Postmortem.incident_id == incident_id)
    postmortem = session.scalar(query.with_for_update() if for_update else query)
    if postmortem is None:
        raise NotFound(
            f"incident {incident_id} has no postmortem yet; draft one with "
            f"`blastwall postmortem draft {incident_id}`"
        )
    return postmortem


def body(postmortem: Postmortem) -> dict[str, str]:
    """Each section's text: the edit if someone wrote one, else what the draft generated."""
    return {
        key: str(postmortem.edits.get(key, postmortem.generated.get(key, "")))
        for key in drafting.KEYS
    }


def _record(
    session: Session, postmortem: Postmortem, action: str, actor: Actor, sentence: str, **data: Any
) -> None:
    incident = incidents.get(session, postmortem.incident_id)
    record(
        session,
        Change(
            actor=actor,
            action=f"postmortem.{action}",
            target=f"incident:{postmortem.incident_id}/postmortem",
            after={"status": postmortem.status, **data},
            incident_id=postmortem.incident_id,
            system=incident.system.name if incident.system is not None else None,
            timeline=sentence,
            data={"postmortem_id": postmortem.id, "status": postmortem.status, **data},
        ),
    )


def _refuse_if_published(postmortem: Postmortem, doing: str) -> None:
    if postmortem.status == PostmortemStatus.published:
        raise Conflict(
            f"the postmortem of incident {postmortem.incident_id} is published, which is final: "
            f"it cannot be {doing}; add what you learned later as action items"
        )


def draft(session: Session, incident_id: int, actor: Actor) -> Postmortem:
    """Draft the postmortem from the record, or re-draft it keeping every edited section."""
    incident = incidents.get(session, incident_id, for_update=True)
    generated = drafting.build(session, incident)
    postmortem = get(session, incident_id)
    if postmortem is None:
        postmortem = Postmortem(
            incident_id=incident_id,
            status=PostmortemStatus.draft.value,
            generated=generated,
            edits={},
            drafted_by=actor.name,
        )
        session.add(postmortem)
        session.flush()
        # Items added before the first draft belong to it too, like the ones added after.
        session.execute(
            update(ActionItem)
            .where(ActionItem.incident_id == incident_id, ActionItem.postmortem_id.is_(None))
            .values(postmortem_id=postmortem.id)
        )
        sentence = "postmortem drafted from the record"
    else:
        _refuse_if_published(postmortem, "re-drafted")
        postmortem.generated = generated
        postmortem.drafts += 1
        postmortem.drafted_at = postmortem.updated_at = utcnow()
        postmortem.drafted_by = actor.name
        kept = sorted(postmortem.edits)
        sentence = "postmortem re-drafted from the record" + (
            f", keeping edited sections: {', '.join(kept)}" if kept else ""
        )
    _record(session, postmortem, "draft", actor, sentence, drafts=postmortem.drafts)
    return postmortem


def edit(
    session: Session, incident_id: int, sections: dict[str, str | None], actor: Actor
) -> Postmortem:
    """Write sections (null: drop the edit, back to the drafted text) before publishing."""
    postmortem = require(session, incident_id, for_update=True)
    _refuse_if_published(postmortem, "edited")
    unknown = sorted(set(sections) - set(drafting.KEYS))
    if unknown or not sections:
        raise InvalidInput(
            f"sections: {', '.join(unknown) or 'nothing sent'}; send one or more of "
            f"{', '.join(drafting.KEYS)}",
            field="sections",
        )
    edits = dict(postmortem.edits)
    for key, text in sections.items():
        if text is None:
            edits.pop(key, None)
        else:
            edits[key] = text
    postmortem.edits = edits
    postmortem.updated_at = utcnow()
    names = ", ".join(sorted(sections))
    _record(session, postmortem, "edit", actor, f"postmortem sections edited: {names}")
    return postmortem


def submit(session: Session, incident_id: int, actor: Actor) -> Postmortem:
    """Draft -> in review: the author asks for review."""
    postmortem = require(session, incident_id, for_update=True)
    if postmortem.status != PostmortemStatus.draft:
        raise Conflict(
            f"the postmortem of incident {incident_id} is {postmortem.status}; only a draft is "
            "submitted for review",
            current=postmortem.status,
        )
    postmortem.status = PostmortemStatus.in_review.value
    postmortem.submitted_at = postmortem.updated_at = utcnow()
    postmortem.submitted_by = actor.name
    _record(
        session, postmortem, "submit", actor, f"postmortem submitted for review by {actor.name}"
    )
    return postmortem


def publish(session: Session, incident_id: int, actor: Actor) -> Postmortem:
    """In review -> published; the incident moves to postmortem_done (its own transition)."""
    postmortem = require(session, incident_id, for_update=True)
    if postmortem.status != PostmortemStatus.in_review:
        raise Conflict(
            f"the postmortem of incident {incident_id} is {postmortem.status}; submit it for "
            f"review first (`blastwall postmortem submit {incident_id}`)"
            if postmortem.status == PostmortemStatus.draft
            else f"the postmortem of incident {incident_id} is already published",
            current=postmortem.status,
        )
    incident = incidents.get(session, incident_id)
    if incident.status not in (Status.resolved, Status.postmortem_done):
        raise Conflict(
            f"incident {incident_id} is {incident.status}: resolve it before publishing its "
            f"postmortem (`blastwall incident resolve {incident_id}`)",
            current=incident.status,
        )
    postmortem.status = PostmortemStatus.published.value
    postmortem.published_at = postmortem.updated_at = utcnow()
    postmortem.published_by = actor.name
    _record(session, postmortem, "publish", actor, f"postmortem published by {actor.name}")
    if incident.status == Status.resolved:
        incidents.transition(
            session, incident_id, Status.postmortem_done, actor, note="postmortem published"
        )
    return postmortem
