"""The ``alert_rules:`` section of ``blastwall.yaml``: planned and applied as one list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from blastwall.alerts.rules import AlertRule, bodies, load
from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.steps import PlanItem

SECTION = "alert_rules"


def plan(
    session: Session, wanted: Sequence[AlertRule] | None
) -> tuple[PlanItem | None, tuple[AlertRule, ...] | None]:
    """The plan step for the section (None: nothing to say), and the rules to write.

    Left out of the file, stored rules are unmanaged (and no rules, no step); written
    (even as ``[]``), the file's list replaces them whole, because order decides a match.
    """
    before = bodies(load(session))
    if wanted is None:
        unmanaged = PlanItem(PlanAction.unmanaged, PlanKind.alert_rules, SECTION)
        return (unmanaged if before else None), None
    after = bodies(wanted)
    if before == after:
        return PlanItem(PlanAction.unchanged, PlanKind.alert_rules, SECTION), None
    action = (
        PlanAction.create if not before else PlanAction.delete if not after else PlanAction.update
    )
    changes = {"rules": (before, after)}
    return PlanItem(action, PlanKind.alert_rules, SECTION, changes), tuple(wanted)
