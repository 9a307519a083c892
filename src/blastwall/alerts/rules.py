"""Alert rules: which labels mean which system, harm (or severity), classes, and resolve.

A rule matches when every ``match`` label equals its value and every ``match_re`` label
fully matches its regular expression (Alertmanager's own matcher semantics). The first
matching rule in file order wins; a rule without matchers catches every alert (put it
last). Rules are stored as the ``alert_rules:`` section of ``blastwall.yaml`` wrote them
and replaced as a whole when the file is applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from blastwall import changes
from blastwall.access.schemas import Actor
from blastwall.alerts.models import AlertRuleRow
from blastwall.incidents.enums import Harm, IncidentClass

LABEL = r"^[a-zA-Z_][a-zA-Z0-9_]{0,99}$"
SYSTEM = r"^[a-z0-9][a-z0-9._-]{0,99}$"


def _regexes(value: dict[str, str]) -> dict[str, str]:
    for label, pattern in value.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(
                f"match_re.{label}: {pattern!r} is not a regular expression ({exc}); "
                "escape special characters, e.g. 'api\\\\..*'"
            ) from None
    return value


class AlertRule(BaseModel):
    """One entry of ``alert_rules:``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: StrictStr | None = Field(None, max_length=100, description="Shown in the audit log.")
    match: dict[Annotated[str, Field(pattern=LABEL)], StrictStr] = Field(
        default_factory=dict, description="Labels that must equal these values."
    )
    match_re: Annotated[
        dict[Annotated[str, Field(pattern=LABEL)], StrictStr], AfterValidator(_regexes)
    ] = Field(default_factory=dict, description="Labels that must fully match these regexes.")
    system: StrictStr = Field(
        pattern=SYSTEM, description="The registered system the alert is about."
    )
    harm: Harm | None = Field(None, description="none, minor, moderate, major or severe.")
    severity: Annotated[StrictInt, Field(ge=1, le=3)] | None = Field(
        None, description="1-3 instead of harm: the least harm the matrix puts at it."
    )
    classes: list[IncidentClass] = Field(default_factory=list, description="integrity, ...")
    resolve: StrictBool = Field(
        False, description="Whether a resolved alert may resolve its incident."
    )

    @model_validator(mode="after")
    def _one_level(self) -> AlertRule:
        if self.harm is not None and self.severity is not None:
            raise ValueError("give harm or severity, not both: severity picks a harm for you")
        return self

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether every matcher holds for ``labels`` (a missing label is the empty string)."""
        for label, value in self.match.items():
            if labels.get(label, "") != value:
                return False
        return all(
            re.fullmatch(pattern, labels.get(label, "")) is not None
            for label, pattern in self.match_re.items()
        )

    def describe(self, position: int) -> str:
        return self.name or f"alert_rules[{position}]"


def load(session: Session) -> list[AlertRule]:
    """The stored rules, in order."""
    rows = session.scalars(select(AlertRuleRow).order_by(AlertRuleRow.position))
    return [AlertRule.model_validate(row.body) for row in rows]


def first_match(
    rules: Sequence[AlertRule], labels: Mapping[str, str]
) -> tuple[int, AlertRule] | None:
    """The first rule matching ``labels`` with its position, or None."""
    for position, rule in enumerate(rules):
        if rule.matches(labels):
            return position, rule
    return None


def bodies(rules: Sequence[AlertRule]) -> list[dict[str, Any]]:
    """The rules as stored: JSON, defaults left out so a rule reads as it was written."""
    return [rule.model_dump(mode="json", exclude_defaults=True) for rule in rules]


def replace(session: Session, rules: Sequence[AlertRule], actor: Actor) -> bool:
    """Make the stored rules exactly ``rules``; audited as ``alert_rules.replace``.

    Returns False (and writes nothing) when they already are.
    """
    before = bodies(load(session))
    after = bodies(rules)
    if before == after:
        return False
    session.execute(delete(AlertRuleRow))
    for position, body in enumerate(after):
        session.add(AlertRuleRow(position=position, body=body, created_by=actor.name))
    session.flush()
    changes.record(
        session,
        changes.Change(
            action="alert_rules.replace",
            target="alert_rules",
            actor=actor,
            before={"rules": before},
            after={"rules": after},
        ),
    )
    return True
