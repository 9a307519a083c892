"""Authority protocol (I4): who may pull which lever on which system without asking anyone.

A rule is (subject, lever, system). ``role:NAME`` matches that role and every higher one
(viewer < responder < commander < admin); ``person:NAME`` matches one token name;
``policy:NAME`` matches one auto-containment policy, which no other rule names; ``*``
matches any lever or system. Admins may always pull every lever. With no rules
configured, :data:`DEFAULT_RULES` apply: the on-call responder may kill and restore any
system, commanders and admins may pull anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.access.service import require_role
from blastwall.changes import Change, audit, record
from blastwall.db.pagination import Page, PageQuery, paginate_items
from blastwall.exceptions import Forbidden, InvalidInput
from blastwall.levers.enums import ANY, Lever
from blastwall.levers.models import AuthorityRule
from blastwall.levers.schemas import AuthorityRuleSpec


@dataclass(frozen=True, order=True)
class Rule:
    subject: str
    lever: str
    system: str = ANY

    def as_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "lever": self.lever, "system": self.system}

    def grants(self, actor: Actor, lever: str, system: str) -> bool:
        """True if this rule lets ``actor`` pull ``lever`` on ``system``."""
        return self.covers(lever, system) and self.names(actor)

    def covers(self, lever: str, system: str) -> bool:
        return self.lever in (ANY, lever) and self.system in (ANY, system)

    def names(self, actor: Actor) -> bool:
        kind, _, name = self.subject.partition(":")
        if actor.name.startswith(POLICY_PREFIX):
            # A policy acts only with the authority written for it, never its role's.
            return self.subject == actor.name
        if kind == "person":
            return actor.name == name
        return kind == "role" and name in Role.__members__ and actor.role.at_least(Role(name))


POLICY_PREFIX = "policy:"
"""Actors named ``policy:NAME`` are auto-containment policies (blastwall.policies)."""

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("role:admin", ANY),
    Rule("role:commander", ANY),
    Rule("role:responder", Lever.kill.value),
    Rule("role:responder", Lever.restore.value),
)


@dataclass(frozen=True)
class RulesChange:
    """What replacing the rules did (or would do): rules added and removed."""

    added: list[Rule]
    removed: list[Rule]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def configured(session: Session) -> list[Rule]:
    """The rules stored by config apply (empty when none were ever configured)."""
    rows = session.scalars(select(AuthorityRule))
    return sorted(Rule(r.subject, r.lever, r.system) for r in rows)


def rules(session: Session) -> list[Rule]:
    """The rules in force: the configured ones, or the defaults when none are configured."""
    return configured(session) or sorted(DEFAULT_RULES)


def list_(session: Session, page: PageQuery | None = None) -> Page[Rule]:
    """One page of the rules in force, by (subject, lever, system).

    Paged in Python: the defaults are no rows, and the rules are a short hand-written list.
    """
    return paginate_items(
        rules(session),
        key=lambda r: (r.subject, r.lever, r.system),
        width=3,
        list_name="authority",
        page=page,
    )


def check(session: Session, actor: Actor, lever: Lever | str, system: str) -> None:
    """Raise Forbidden unless ``actor`` may pull ``lever`` on ``system``; say which rule would."""
    lever = str(lever)
    require_role(actor, Role.responder)
    if actor.role is Role.admin:
        return
    in_force = rules(session)
    if any(rule.grants(actor, lever, system) for rule in in_force):
        return
    allowed = sorted({r.subject for r in in_force if r.covers(lever, system)} | {"role:admin"})
    raise Forbidden(
        f"{actor.name} (role {actor.role.value}) may not pull {lever!r} on {system!r}: no "
        f"authority rule allows it; it is allowed to {', '.join(allowed)}. Ask one of them, "
        f"or have an admin add the rule {{subject: person:{actor.name}, lever: {lever}, "
        f"system: {system}}} under authority in blastwall.yaml and apply it"
    )


def parse(specs: Iterable[AuthorityRuleSpec | Mapping[str, str] | Rule]) -> list[Rule]:
    """Validate rules from config; an error names the rule's index, field and the fix."""
    parsed: set[Rule] = set()
    for index, given in enumerate(specs):
        raw = given.as_dict() if isinstance(given, Rule) else given
        try:
            spec = AuthorityRuleSpec.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "rule"
            raise InvalidInput(
                f"authority rule {index}: {field}: {first['msg']}", field=field
            ) from None
        parsed.add(Rule(spec.subject, spec.lever, spec.system))
    return sorted(parsed)


def diff_rules(
    session: Session, specs: Iterable[AuthorityRuleSpec | Mapping[str, str] | Rule]
) -> RulesChange:
    """What :func:`replace_rules` would change (config apply's dry run)."""
    wanted, current = set(parse(specs)), set(configured(session))
    return RulesChange(added=sorted(wanted - current), removed=sorted(current - wanted))


def replace_rules(
    session: Session,
    specs: Iterable[AuthorityRuleSpec | Mapping[str, str] | Rule],
    actor: Actor,
) -> RulesChange:
    """Make the configured rules exactly ``specs`` (admin only), audited; empty = defaults."""
    require_role(actor, Role.admin)
    wanted = parse(specs)
    audit.lock(session)
    before = configured(session)
    change = RulesChange(
        added=sorted(set(wanted) - set(before)), removed=sorted(set(before) - set(wanted))
    )
    if not change.changed:
        return change
    session.execute(delete(AuthorityRule))
    session.add_all(
        AuthorityRule(subject=r.subject, lever=r.lever, system=r.system) for r in wanted
    )
    session.flush()
    record(
        session,
        Change(
            actor=actor,
            action="authority.replace",
            target="authority",
            reason=f"{len(change.added)} rule(s) added, {len(change.removed)} removed by config",
            before={"rules": [r.as_dict() for r in before]},
            after={"rules": [r.as_dict() for r in wanted]},
        ),
    )
    return change
