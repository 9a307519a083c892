"""String enums of config as code: what a plan step does, and to what kind of thing."""

from __future__ import annotations

from enum import StrEnum


class PlanAction(StrEnum):
    """What applying the document does to one thing."""

    create = "create"
    update = "update"
    delete = "delete"
    unchanged = "unchanged"
    # Exists in Blastwall but the file does not manage it: apply leaves it alone.
    unmanaged = "unmanaged"

    @property
    def changes_something(self) -> bool:
        return self in (PlanAction.create, PlanAction.update, PlanAction.delete)


class PlanKind(StrEnum):
    """The kinds of thing a plan step can be about."""

    system = "system"
    action = "action"
    surface = "surface"
    release = "release"
    authority = "authority"
    authority_rule = "authority_rule"
    severity_matrix = "severity_matrix"
    monitor = "monitor"
    review = "review"
    canary_target = "canary_target"
    canary_set = "canary_set"
    oncall = "oncall"
    person = "person"
    schedule = "schedule"
    escalation_policy = "escalation_policy"
    coverage = "coverage"
    notify_channel = "notify_channel"
    notify_route = "notify_route"
    alert_rules = "alert_rules"
    triage_tree = "triage_tree"
    policy = "policy"
    regimes = "regimes"
    communications = "communications"
