"""What applying a document would change, computed read-only against the database (P4).

One step per system, downstream action, surface, first release, authority rule and the
severity matrix: create, update, delete or unchanged. Choices, also in docs/configuration.md:

- Systems absent from the file are **not deleted**; they show as ``unmanaged``. Deleting a
  system is rare and destructive, so it takes an explicit ``DELETE /api/v1/systems/NAME``.
- Within a system the file is the whole truth: actions and surfaces it no longer lists are
  deleted (the registry refuses to delete a surface that has versions).
- A section left out (``authority``, ``severity_matrix``) is ``unmanaged``: left as it is.
- A surface's ``content`` seeds its first version: when a surface is in no release yet,
  apply creates a release ("initial", later "config-N") holding it. After that, versions
  come from releases, and editing ``content`` changes nothing.
- A system's ``monitors``, when given, are the whole truth for that system (monitors it no
  longer lists are deleted); left out, the system's monitors are ``unmanaged``.
- A system's ``review``, ``canary_target`` and ``canaries``: see canary_plan.py; left out,
  each is ``unmanaged``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.alerts import config as alert_config
from blastwall.alerts.rules import AlertRule
from blastwall.canaries import service as canaries
from blastwall.canaries.policy import TargetPolicy
from blastwall.config_as_code.canary_plan import (
    CanarySetWrite,
    CanaryTargetWrite,
    plan_sets,
    plan_target,
)
from blastwall.config_as_code.enums import PlanAction, PlanKind
from blastwall.config_as_code.errors import ConfigError, ConfigIssue, Loc
from blastwall.config_as_code.schema import Document, SystemSpec
from blastwall.config_as_code.steps import Changes, PlanItem
from blastwall.detect.monitors import service as monitors
from blastwall.detect.monitors.models import Monitor
from blastwall.detect.monitors.schemas import MonitorCreate
from blastwall.exceptions import Conflict
from blastwall.incidents import matrix
from blastwall.levers import authority
from blastwall.levers.enums import ANY
from blastwall.notify import config as notify_config
from blastwall.oncall import config as oncall
from blastwall.policies import config as policy_config
from blastwall.policies.spec import PolicySpec
from blastwall.registry import releases
from blastwall.registry import service as registry
from blastwall.registry.enums import ChangeAction
from blastwall.registry.models import Release, System
from blastwall.registry.schemas import SystemSpec as RegistrySystemSpec
from blastwall.registry.surfaces import canonical_hash
from blastwall.regulatory import regimes as regulatory_regimes
from blastwall.regulatory.schemas import RegimeSpec
from blastwall.review import service as review
from blastwall.review.schemas import ReviewConfigUpdate
from blastwall.triage import config as triage
from blastwall.updates import config as communications

FIRST_RELEASE = "initial"


@dataclass(frozen=True)
class SeedRelease:
    """A release apply creates so surfaces declared with ``content`` get their first version."""

    name: str
    contents: Mapping[str, dict[str, Any]]


@dataclass(frozen=True)
class SystemWrite:
    index: int
    spec: RegistrySystemSpec
    upsert: bool
    release: SeedRelease | None


@dataclass(frozen=True)
class MonitorWrite:
    """Create, update (to ``spec``) or delete one monitor of a system."""

    loc: Loc
    system: str
    name: str
    action: PlanAction
    spec: MonitorCreate | None


@dataclass(frozen=True)
class ReviewWrite:
    """Set one system's review sampling."""

    loc: Loc
    system: str
    spec: ReviewConfigUpdate


@dataclass(frozen=True)
class RegimeWrite:
    """Replace one system's reporting regimes."""

    loc: Loc
    system: str
    specs: tuple[RegimeSpec, ...]


@dataclass(frozen=True)
class Writes:
    """Exactly the service calls that carry the plan out; apply makes these and nothing else."""

    systems: tuple[SystemWrite, ...] = ()
    rules: tuple[dict[str, str], ...] | None = None
    matrix: Mapping[str, Any] | None = None
    monitors: tuple[MonitorWrite, ...] = ()
    reviews: tuple[ReviewWrite, ...] = ()
    canary_targets: tuple[CanaryTargetWrite, ...] = ()
    canary_sets: tuple[CanarySetWrite, ...] = ()
    oncall: oncall.OncallWrite | None = None
    notify: notify_config.Writes = field(default_factory=notify_config.Writes)
    alert_rules: tuple[AlertRule, ...] | None = None
    triage: triage.TriageWrite | None = None
    policies: tuple[PolicySpec, ...] | None = None
    regimes: tuple[RegimeWrite, ...] = ()
    communications: dict[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    """Every step of applying a document, in file order, and the writes that perform it."""

    items: tuple[PlanItem, ...]
    writes: Writes = field(default_factory=Writes, repr=False)

    @property
    def changed(self) -> bool:
        """True if applying would change anything."""
        return any(item.action.changes_something for item in self.items)

    def as_list(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self.items]

    def counts(self) -> dict[str, int]:
        """How many steps of each action, e.g. {"create": 12, "unchanged": 3}."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.action.value] = counts.get(item.action.value, 0) + 1
        return counts

    def summary(self) -> str:
        """One line for humans, e.g. '3 to create, 1 to update, 0 to delete, 9 unchanged'."""
        counts = self.counts()
        return (
            f"{counts.get('create', 0)} to create, {counts.get('update', 0)} to update, "
            f"{counts.get('delete', 0)} to delete, {counts.get('unchanged', 0)} unchanged"
            + (f", {counts['unmanaged']} unmanaged" if counts.get("unmanaged") else "")
        )


def _child_items(
    kind: PlanKind,
    system: str,
    wanted: Iterable[str],
    change: tuple[Any, Any] | None,
) -> list[PlanItem]:
    """Per-child steps from the registry's before/after lists of actions or surfaces."""
    names = list(wanted)
    if change is None:
        return [PlanItem(PlanAction.unchanged, kind, f"{system}/{name}") for name in names]
    before = {row["name"]: row for row in change[0] or []}
    after = {row["name"]: row for row in change[1] or []}
    items = []
    for name in names:
        new, old = after[name], before.get(name)
        if old is None:
            fields = {k: (None, v) for k, v in new.items() if k != "name"}
            items.append(PlanItem(PlanAction.create, kind, f"{system}/{name}", fields))
            continue
        fields = {k: (old[k], v) for k, v in new.items() if old[k] != v}
        action = PlanAction.update if fields else PlanAction.unchanged
        items.append(PlanItem(action, kind, f"{system}/{name}", fields))
    for name, old in before.items():
        if name not in after:
            fields = {k: (v, None) for k, v in old.items() if k != "name"}
            items.append(PlanItem(PlanAction.delete, kind, f"{system}/{name}", fields))
    return items


class _Planner:
    """Builds a plan, collecting every problem (with its line) instead of stopping at one."""

    def __init__(
        self, session: Session, document: Document, policy: TargetPolicy | None = None
    ) -> None:
        self.session = session
        self.document = document
        self.policy = policy or TargetPolicy.of()
        self.items: list[PlanItem] = []
        self.issues: list[ConfigIssue] = []
        self.systems: list[SystemWrite] = []
        self.rules: tuple[dict[str, str], ...] | None = None
        self.matrix: Mapping[str, Any] | None = None
        self.monitor_writes: list[MonitorWrite] = []
        self.review_writes: list[ReviewWrite] = []
        self.target_writes: list[CanaryTargetWrite] = []
        self.set_writes: list[CanarySetWrite] = []
        self.oncall_write: oncall.OncallWrite | None = None
        self.alert_rules: tuple[AlertRule, ...] | None = None
        self.triage_write: triage.TriageWrite | None = None
        self.regime_writes: list[RegimeWrite] = []

    def problem(self, loc: Loc, message: str) -> None:
        self.issues.append(self.document.source.issue(loc, message))

    def plan(self) -> Plan:
        for index, spec in enumerate(self.document.systems):
            self.system(index, spec)
        declared = {spec.name for spec in self.document.systems}
        for name in self.session.scalars(select(System.name).order_by(System.name)):
            if name not in declared:
                self.items.append(PlanItem(PlanAction.unmanaged, PlanKind.system, name))
        self.authority()
        self.severity_matrix()
        self.oncall()
        notify = self.notifications()
        item, self.alert_rules = alert_config.plan(self.session, self.document.alert_rules)
        self.items.extend([item] if item else [])
        self.triage()
        policies = self.policies()
        item, comms = communications.plan(self.session, self.document.communications)
        self.items.extend([item] if item else [])
        if self.issues:
            raise ConfigError(self.issues)
        writes = Writes(
            tuple(self.systems),
            self.rules,
            self.matrix,
            tuple(self.monitor_writes),
            tuple(self.review_writes),
            tuple(self.target_writes),
            tuple(self.set_writes),
            self.oncall_write,
            notify.writes,
            self.alert_rules,
            self.triage_write,
            policies,
            regimes=tuple(self.regime_writes),
            communications=comms,
        )
        return Plan(tuple(self.items), writes)

    def policies(self) -> tuple[PolicySpec, ...] | None:
        """The policies section (policies/config.py); the policies to write, if any change."""
        wanted = self.document.policies
        steps, problems, write = policy_config.plan(self.session, wanted, self.document.systems)
        for action, name, changes in steps:
            self.items.append(PlanItem(PlanAction(action), PlanKind.policy, name, changes))
        for loc, message in problems:
            self.problem(("policies", *loc), message)
        return tuple(wanted) if write and wanted is not None else None

    def system(self, index: int, spec: SystemSpec) -> None:
        at: Loc = ("systems", index)
        wanted = spec.to_registry()
        try:
            action, changes = registry.plan_system(self.session, wanted)
        except Conflict as exc:
            self.problem((*at, "surfaces"), exc.detail)
            return
        own = {f: change for f, change in changes.items() if f not in ("actions", "surfaces")}
        step = PlanAction(action.value) if own or action is ChangeAction.create else None
        self.items.append(PlanItem(step or PlanAction.unchanged, PlanKind.system, spec.name, own))
        self.items += _child_items(
            PlanKind.action, spec.name, (a.name for a in spec.actions), changes.get("actions")
        )
        self.items += _child_items(
            PlanKind.surface, spec.name, (s.name for s in spec.surfaces), changes.get("surfaces")
        )
        release = self.seed_release(at, spec)
        if action is not ChangeAction.unchanged or release is not None:
            upsert = action is not ChangeAction.unchanged
            self.systems.append(SystemWrite(index, wanted, upsert, release))
        self.monitors(at, spec)
        self.review(at, spec)
        self.canaries(at, spec)
        self.regimes(at, spec)

    def regimes(self, at: Loc, spec: SystemSpec) -> None:
        """The system's reporting regimes, when the file lists them (left out: unmanaged)."""
        if spec.regimes is None:
            return
        twice = regulatory_regimes.check(spec.regimes)
        if twice is not None:
            self.problem((*at, "regimes", twice[0]), twice[1])
            return
        before = regulatory_regimes.stored_or_empty(self.session, spec.name)
        after = regulatory_regimes.wanted(spec.regimes)
        action = PlanAction.unchanged
        if before != after:
            action = PlanAction.update if before else PlanAction.create
        changes: Changes = {} if before == after else {"regimes": (before, after)}
        self.items.append(PlanItem(action, PlanKind.regimes, spec.name, changes))
        if action is not PlanAction.unchanged:
            write = RegimeWrite((*at, "regimes"), spec.name, tuple(spec.regimes))
            self.regime_writes.append(write)

    def canaries(self, at: Loc, spec: SystemSpec) -> None:
        """The system's canary target and sets (canary_plan.py)."""
        row = registry.get_by_name(self.session, spec.name) if self._exists(spec.name) else None
        if spec.canary_target is not None:
            refused = canaries.target_problem(spec.canary_target, self.policy)
            if refused is not None:
                self.problem((*at, "canary_target", refused[0]), refused[1])
        items, target = plan_target(self.session, at, spec, row)
        self.items += items
        if target is not None:
            self.target_writes.append(target)
        items, sets = plan_sets(self.session, at, spec, row)
        self.items += items
        self.set_writes += sets

    def monitors(self, at: Loc, spec: SystemSpec) -> None:
        """One step per monitor; the file's list is the whole truth when it is given."""
        row = registry.get_by_name(self.session, spec.name) if self._exists(spec.name) else None
        stored: dict[str, Monitor] = {}
        if row is not None:
            found = self.session.scalars(select(Monitor).where(Monitor.system_id == row.id))
            stored = {m.name: m for m in sorted(found, key=lambda m: m.name)}
        if spec.monitors is None:
            if stored:
                self.items.append(
                    PlanItem(PlanAction.unmanaged, PlanKind.monitor, f"{spec.name}/*")
                )
            return
        seen: dict[str, int] = {}
        for position, declared in enumerate(spec.monitors):
            loc: Loc = (*at, "monitors", position)
            if declared.name in seen:
                earlier = seen[declared.name]
                self.problem(
                    (*loc, "name"),
                    f"monitor {declared.name!r} is declared twice (also monitors[{earlier}]): "
                    "rename or remove one",
                )
                continue
            seen[declared.name] = position
            if declared.environment and declared.environment not in spec.environments:
                self.problem(
                    (*loc, "environment"),
                    f"{declared.environment!r} is not one of this system's environments "
                    f"({', '.join(spec.environments)}): use one of them, or leave it out",
                )
                continue
            self.monitor_step(loc, spec.name, declared.to_create(), stored.get(declared.name))
        for name, old in stored.items():
            if name not in seen:
                before = monitors.fields_of(old)
                fields = {k: (v, None) for k, v in before.items()}
                self.items.append(
                    PlanItem(PlanAction.delete, PlanKind.monitor, f"{spec.name}/{name}", fields)
                )
                self.monitor_writes.append(
                    MonitorWrite((*at, "monitors"), spec.name, name, PlanAction.delete, None)
                )

    def review(self, at: Loc, spec: SystemSpec) -> None:
        """The system's review sampling, when the file gives it (left out: unmanaged)."""
        if spec.review is None:
            return
        wanted = spec.review.to_update()
        after = wanted.model_dump()
        before: dict[str, Any] | None = None
        if self._exists(spec.name):
            current = review.get_config(self.session, spec.name)
            if current.updated_at is not None:
                before = {"sample_rate": current.sample_rate, "baseline": current.baseline}
        fields: Changes
        if before is None:
            fields = {k: (None, v) for k, v in after.items()}
            action = PlanAction.create
        else:
            fields = {k: (before[k], v) for k, v in after.items() if before[k] != v}
            action = PlanAction.update if fields else PlanAction.unchanged
        self.items.append(PlanItem(action, PlanKind.review, spec.name, fields))
        if action is not PlanAction.unchanged:
            self.review_writes.append(ReviewWrite((*at, "review"), spec.name, wanted))

    def monitor_step(
        self, loc: Loc, system: str, wanted: MonitorCreate, old: Monitor | None
    ) -> None:
        after = wanted.stored()
        name = f"{system}/{wanted.name}"
        if old is None:
            fields = {k: (None, v) for k, v in after.items()}
            self.items.append(PlanItem(PlanAction.create, PlanKind.monitor, name, fields))
            self.monitor_writes.append(
                MonitorWrite(loc, system, wanted.name, PlanAction.create, wanted)
            )
            return
        before = monitors.fields_of(old)
        fields = {k: (before[k], v) for k, v in after.items() if before[k] != v}
        if not fields:
            self.items.append(PlanItem(PlanAction.unchanged, PlanKind.monitor, name))
            return
        self.items.append(PlanItem(PlanAction.update, PlanKind.monitor, name, fields))
        self.monitor_writes.append(
            MonitorWrite(loc, system, wanted.name, PlanAction.update, wanted)
        )

    def seed_release(self, at: Loc, spec: SystemSpec) -> SeedRelease | None:
        row = registry.get_by_name(self.session, spec.name) if self._exists(spec.name) else None
        newest = releases.newest_release(self.session, row) if row is not None else None
        released = {item.surface.name for item in newest.items} if newest else set()
        seed = {
            s.name: s.content
            for s in spec.surfaces
            if s.content is not None and s.name not in released
        }
        if not seed:
            return None
        for position, surface in enumerate(spec.surfaces):
            if surface.name not in seed and surface.name not in released:
                self.problem(
                    (*at, "surfaces", position),
                    f"surface {surface.name!r} is in no release yet and has no content, but "
                    f"apply must create a release for {', '.join(sorted(seed))}: give it "
                    "'content:' too, or remove 'content:' from the others and create the "
                    "release through the API",
                )
        taken = set()
        if row is not None:
            taken = set(
                self.session.scalars(select(Release.name).where(Release.system_id == row.id))
            )
        name = FIRST_RELEASE if not taken else _next_free(taken)
        self.items.append(
            PlanItem(
                PlanAction.create,
                PlanKind.release,
                f"{spec.name}@{name}",
                {surface: (None, canonical_hash(content)) for surface, content in seed.items()},
            )
        )
        return SeedRelease(name, seed)

    def notifications(self) -> notify_config.Planned:
        """The channels and routes sections, planned by the notify domain."""
        known = {s.name for s in self.document.systems}
        known |= set(self.session.scalars(select(System.name)))
        doc = self.document
        planned = notify_config.plan(self.session, doc.channels, doc.routes, known)
        for step in planned.steps:
            item = PlanItem(PlanAction(step.action), PlanKind(step.kind), step.name, step.changes)
            self.items.append(item)
        for loc, message in planned.problems:
            self.problem(loc, message)
        return planned

    def _exists(self, name: str) -> bool:
        return self.session.scalar(select(System.id).where(System.name == name)) is not None

    def authority(self) -> None:
        spec = self.document.authority
        if spec is None:
            self.items.append(PlanItem(PlanAction.unmanaged, PlanKind.authority, "authority"))
            return
        known = {s.name for s in self.document.systems}
        known |= set(self.session.scalars(select(System.name)))
        for index, rule in enumerate(spec.rules):
            for position, system in enumerate(rule.systems):
                if system != ANY and system not in known:
                    self.problem(
                        ("authority", "rules", index, "systems", position),
                        f"{system!r} is neither declared under systems nor known to Blastwall: "
                        "fix the name, declare the system, or use '*'",
                    )
        flat = tuple(
            {"subject": rule.subject, "lever": lever, "system": system}
            for rule in spec.rules
            for lever in rule.levers
            for system in rule.systems
        )
        change = authority.diff_rules(self.session, flat)
        added = set(change.added)
        for wanted in authority.parse(flat):
            action = PlanAction.create if wanted in added else PlanAction.unchanged
            self.items.append(PlanItem(action, PlanKind.authority_rule, _rule_name(wanted)))
        for removed in change.removed:
            self.items.append(
                PlanItem(PlanAction.delete, PlanKind.authority_rule, _rule_name(removed))
            )
        if change.changed:
            self.rules = flat

    def oncall(self) -> None:
        """The on-call section (oncall/config.py); left out, it is unmanaged."""
        spec = self.document.oncall
        if spec is None:
            if oncall.anything_stored(self.session):
                self.items.append(PlanItem(PlanAction.unmanaged, PlanKind.oncall, "oncall"))
            return
        known = {s.name for s in self.document.systems}
        known |= set(self.session.scalars(select(System.name)))
        items, problems, write = oncall.plan(self.session, spec, known)
        self.items += items
        for loc, message in problems:
            self.problem(("oncall", *loc), message)
        self.oncall_write = write

    def triage(self) -> None:
        """The triage trees (triage/config.py); left out, they are unmanaged."""
        trees = self.document.triage
        if trees is None:
            if triage.anything_stored(self.session):
                self.items.append(PlanItem(PlanAction.unmanaged, PlanKind.triage_tree, "*"))
            return
        oncall_spec = self.document.oncall
        policies = (
            None if oncall_spec is None else [p.name for p in oncall_spec.escalation_policies]
        )
        names = triage.known(self.session, self.document.systems, policies)
        items, problems, write = triage.plan(self.session, trees, names)
        self.items += items
        for loc, message in problems:
            self.problem(("triage", *loc), message)
        self.triage_write = write

    def severity_matrix(self) -> None:
        body = self.document.severity_matrix
        if body is None:
            self.items.append(
                PlanItem(PlanAction.unmanaged, PlanKind.severity_matrix, "severity_matrix")
            )
            return
        cells = matrix.validate(body)
        current = matrix.current_matrix(self.session)
        changes: dict[str, tuple[Any, Any]] = {}
        for (harm, reversibility), cell in cells.items():
            old, new = asdict(current.cells[harm, reversibility]), asdict(cell)
            for duty, value in new.items():
                if old[duty] != value:
                    changes[f"{harm.value}/{reversibility.value}.{duty}"] = (old[duty], value)
        action = PlanAction.update if changes else PlanAction.unchanged
        self.items.append(PlanItem(action, PlanKind.severity_matrix, "severity_matrix", changes))
        if changes:
            self.matrix = body


def _rule_name(rule: authority.Rule) -> str:
    return f"{rule.subject} {rule.lever} on {rule.system}"


def _next_free(taken: set[str]) -> str:
    number = len(taken) + 1
    while f"config-{number}" in taken:
        number += 1
    return f"config-{number}"


def compute_plan(session: Session, document: Document, policy: TargetPolicy | None = None) -> Plan:
    """What applying ``document`` would change; reads only. Raises ConfigError if it cannot.

    ``policy``: the canary target allow-lists (default: the server settings).
    """
    return _Planner(session, document, policy).plan()


def render(plan: Plan) -> str:
    """The plan as text, one step a line, like a terraform plan (for CLIs and logs)."""
    marks = {
        PlanAction.create: "+",
        PlanAction.update: "~",
        PlanAction.delete: "-",
        PlanAction.unchanged: "=",
        PlanAction.unmanaged: "?",
    }
    lines = []
    for item in plan.items:
        lines.append(f"{marks[item.action]} {item.action.value} {item.kind.value} {item.name}")
        lines += [f"    {key}: {old!r} -> {new!r}" for key, (old, new) in item.changes.items()]
    lines.append(plan.summary())
    return "\n".join(lines)
