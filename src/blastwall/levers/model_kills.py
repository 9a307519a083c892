"""Kill a model family (C1): one lever every system's SDKs obey, whichever system they serve.

A provider ships a broken model snapshot, or a model is withdrawn: every system calling a
model whose id starts with the prefix must stop at once. The kill is a row per prefix on
the global lever revision sequence, so it reaches SDKs by the same stream, polling and
on-disk paths as lever states; each SDK refuses (as a kill does, with its fallback) any
call whose model, after a reroute, starts with a killed prefix.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, audit, record, references
from blastwall.db.base import utcnow
from blastwall.db.counters import next_value
from blastwall.db.pagination import Page, PageQuery, paginate_items
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.levers import authority
from blastwall.levers.enums import ANY, Lever
from blastwall.levers.models import ModelKill
from blastwall.levers.service import LEVER_REVISION, resume_point

PREFIX_MIN = 3
PREFIX_MAX = 200


def _prefix(raw: str) -> str:
    prefix = raw.strip()
    if len(prefix) < PREFIX_MIN or len(prefix) > PREFIX_MAX:
        raise InvalidInput(
            f"model prefix {raw!r} must be {PREFIX_MIN} to {PREFIX_MAX} characters: name the "
            "model or its family, e.g. 'gpt-4o-2024' (a short prefix would kill every model)",
            field="prefix",
        )
    return prefix


def _set(
    session: Session,
    raw_prefix: str,
    killed: bool,
    *,
    actor: Actor,
    reason: str,
    incident_id: int | None,
) -> tuple[ModelKill, bool, int | None]:
    prefix = _prefix(raw_prefix)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "reason is required: say why, e.g. 'gpt-4o-2024-08-06 returns empty answers'",
            field="reason",
        )
    if incident_id is not None:
        references.require(session, "incident", incident_id, field="incident_id")
    # Every system is affected, so the authority asked for is a kill on every system.
    authority.check(session, actor, Lever.kill if killed else Lever.restore, ANY)
    audit.lock(session)
    audit.lock_counter(session, LEVER_REVISION)
    row = session.scalar(
        select(ModelKill)
        .where(ModelKill.prefix == prefix)
        .execution_options(populate_existing=True)
    )
    if row is None and not killed:
        raise NotFound(
            f"no model kill for {prefix!r}: `blastwall model-kills` lists the ones in force"
        )
    if row is not None and row.killed == killed:
        return row, False, None
    before = (
        None if row is None else {"prefix": prefix, "killed": row.killed, "revision": row.revision}
    )
    revision = next_value(session, LEVER_REVISION)
    if row is None:
        row = ModelKill(prefix=prefix)
        session.add(row)
    row.killed = killed
    row.revision = revision
    row.updated_at = utcnow()
    row.updated_by = actor.name
    session.flush()
    verb = "killed" if killed else "restored"
    recorded = record(
        session,
        Change(
            actor=actor,
            action="lever.model_kill" if killed else "lever.model_restore",
            target=f"model:{prefix}",
            reason=reason,
            before=before,
            after={"prefix": prefix, "killed": killed, "revision": revision},
            incident_id=incident_id,
            timeline=f"models {prefix}* {verb} in every system. Why: {reason}",
            data={"prefix": prefix, "killed": killed, "revision": revision},
        ),
    )
    return row, True, recorded.audit_seq


def kill(
    session: Session, prefix: str, *, actor: Actor, reason: str, incident_id: int | None = None
) -> tuple[ModelKill, bool, int | None]:
    """Refuse every call, in every system, to a model whose id starts with ``prefix``."""
    return _set(session, prefix, True, actor=actor, reason=reason, incident_id=incident_id)


def restore(
    session: Session, prefix: str, *, actor: Actor, reason: str, incident_id: int | None = None
) -> tuple[ModelKill, bool, int | None]:
    """Lift the kill of ``prefix``; the row stays (killed false) so SDKs hear of it."""
    return _set(session, prefix, False, actor=actor, reason=reason, incident_id=incident_id)


def list_(session: Session, page: PageQuery | None = None) -> Page[ModelKill]:
    """One page of the model kills in force, by prefix (a short list, paged in Python)."""
    stmt = select(ModelKill).where(ModelKill.killed.is_(True)).order_by(ModelKill.prefix)
    return paginate_items(
        list(session.scalars(stmt)),
        key=lambda k: (k.prefix,),
        width=1,
        list_name="model-kills",
        page=page,
    )


def since(session: Session, revision: int) -> list[ModelKill]:
    """Model kills and restores after ``revision``, oldest first (what an SDK missed)."""
    start = resume_point(session, revision)
    stmt = select(ModelKill).where(ModelKill.revision > start).order_by(ModelKill.revision)
    return list(session.scalars(stmt))
