"""Read, plan and apply the ``communications`` section (config_as_code calls plan/apply).

Left out of the file, the stored settings are unmanaged (the defaults when none were ever
applied). Applied, the section replaces them whole, through ``changes.record``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.steps import PlanItem
from blastwall.db.base import utcnow
from blastwall.updates.models import CommunicationsSettings
from blastwall.updates.spec import DEFAULT_BODY, CommunicationsSpec

SECTION = "communications"
ROW_ID = 1


@dataclass(frozen=True)
class Communications:
    """The settings in force: cadence per severity, the commander's delay, the notice rule."""

    cadence_s: dict[int, int]
    escalate_after_s: int
    notice_severities: tuple[int, ...]
    notice_min_users: int

    def interval_s(self, severity: int) -> int:
        """How long an incident of ``severity`` may go without an update."""
        return self.cadence_s.get(severity, max(self.cadence_s.values()))


def _body(session: Session) -> dict[str, Any]:
    row = session.get(CommunicationsSettings, ROW_ID)
    return dict(row.body) if row is not None else dict(DEFAULT_BODY)


def current(session: Session) -> Communications:
    """The applied settings, or the defaults when the section was never applied."""
    body = _body(session)
    return Communications(
        cadence_s={int(k): int(v) for k, v in body["cadence"].items()},
        escalate_after_s=int(body["escalate_after"]),
        notice_severities=tuple(body["notice"]["severities"]),
        notice_min_users=int(body["notice"]["min_users"]),
    )


def plan(
    session: Session, wanted: CommunicationsSpec | None
) -> tuple[PlanItem | None, dict[str, Any] | None]:
    """The plan step for the section (None: left out and never applied), and what to write."""
    stored = session.get(CommunicationsSettings, ROW_ID)
    if wanted is None:
        item = PlanItem(PlanAction.unmanaged, PlanKind.communications, SECTION)
        return (item if stored is not None else None), None
    before, after = _body(session), wanted.body()
    changes = {key: (before.get(key), after[key]) for key in after if before.get(key) != after[key]}
    if stored is not None and not changes:
        return PlanItem(PlanAction.unchanged, PlanKind.communications, SECTION), None
    action = PlanAction.update if stored is not None else PlanAction.create
    return PlanItem(action, PlanKind.communications, SECTION, changes), after


def apply(session: Session, body: dict[str, Any], actor: Actor) -> None:
    """Store ``body`` (a planned write) as the settings in force; recorded."""
    row = session.get(CommunicationsSettings, ROW_ID)
    before = dict(row.body) if row is not None else None
    if row is None:
        row = CommunicationsSettings(id=ROW_ID, body=body)
        session.add(row)
    else:
        row.body = body
        row.updated_at = utcnow()
    record(
        session,
        Change(
            action="communications.set",
            target=SECTION,
            actor=actor,
            before=before,
            after=body,
        ),
    )
    session.flush()
