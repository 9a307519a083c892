"""The deadline table, as data: each regime's stages, their windows, anchors and variants.

Built from REGULATORY.md (the regulation's text, not secondary sources): EU AI Act Art. 73,
GDPR Art. 33, NIS2 Art. 23, DORA Art. 19 with RTS 2025/301, California SB 53. Pure: no
database, so every deadline is checked against frozen times in tests. Not legal advice.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from blastwall.regulatory.enums import Anchor, Fact, Regime, Stage

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MONTH = "1 month"
"""A calendar month (the same day next month, or its last day), not 30 days."""

Window = timedelta | str


@dataclass(frozen=True)
class RegimeInfo:
    """Defaults for one regime; every value can be set per system (docs/regulatory.md)."""

    title: str
    authority: str
    effective: date
    stages: tuple[Stage, ...]
    """Every report stage, in lineage order (clocked or not)."""


REGIMES: dict[Regime, RegimeInfo] = {
    # Art. 73 applies from 2 August 2026; the Digital Omnibus may defer it with the
    # high-risk obligations (2 Dec 2027 / 2 Aug 2028): set `effective` per system.
    Regime.eu_ai_act: RegimeInfo(
        "EU AI Act Art. 73",
        "market surveillance authority",
        date(2026, 8, 2),
        (Stage.initial, Stage.follow_up, Stage.final),
    ),
    Regime.gdpr: RegimeInfo(
        "GDPR Art. 33",
        "supervisory authority",
        date(2018, 5, 25),
        (Stage.notification, Stage.follow_up),
    ),
    Regime.nis2: RegimeInfo(
        "NIS2 Art. 23",
        "CSIRT / competent authority",
        date(2024, 10, 18),
        (Stage.early_warning, Stage.notification, Stage.follow_up, Stage.final),
    ),
    Regime.dora: RegimeInfo(
        "DORA Art. 19 (RTS 2025/301)",
        "competent financial authority",
        date(2025, 1, 17),
        (Stage.initial, Stage.intermediate, Stage.final),
    ),
    Regime.ca_sb53: RegimeInfo(
        "California SB 53 (Bus. & Prof. Code §22757.13)",
        "Office of Emergency Services",
        date(2026, 1, 1),
        (Stage.initial, Stage.follow_up),
    ),
}


@dataclass(frozen=True)
class Term:
    """One way to count a stage's deadline: ``window`` after ``anchor``.

    ``anchor`` is an :class:`Anchor` name or ``submitted:<stage>`` (the regime's report of
    that stage, once submitted). ``variant`` names the facts that chose this window.
    """

    anchor: str
    window: Window
    variant: str = "standard"


@dataclass(frozen=True)
class Rule:
    """A clocked stage: every term applies and the earliest due time wins (DORA's "4 h
    from classification and no later than 24 h from awareness")."""

    regime: Regime
    stage: Stage
    terms: tuple[Term, ...]
    note: str = ""


def submitted(stage: Stage) -> str:
    return f"submitted:{stage.value}"


def ai_act_term(facts: Mapping[str, bool]) -> Term:
    """Art. 73: 15 days; 2 days for widespread infringement or critical infrastructure
    (73(3)); 10 days for a death (73(4)); the shortest that applies wins."""
    if facts.get(Fact.widespread) or facts.get(Fact.critical_infrastructure):
        named = [f for f in (Fact.widespread, Fact.critical_infrastructure) if facts.get(f)]
        return Term(Anchor.awareness, 2 * DAY, "+".join(names(named)))
    if facts.get(Fact.death):
        return Term(Anchor.awareness, 10 * DAY, Fact.death.value)
    return Term(Anchor.awareness, 15 * DAY)


def names(facts: list[Fact]) -> list[str]:
    return [fact.value for fact in facts]


def rules_for(regime: Regime, facts: Mapping[str, bool]) -> list[Rule]:
    """The clocked stages of ``regime`` for an incident with ``facts``, in order."""
    if regime is Regime.eu_ai_act:
        note = (
            "Art. 73(2): report immediately once a causal link (or its reasonable likelihood) "
            "is established; the window is the latest allowed. An incomplete initial report "
            "is allowed (73(5))."
        )
        return [Rule(regime, Stage.initial, (ai_act_term(facts),), note)]
    if regime is Regime.gdpr:
        note = "Art. 33(1): where not made within 72 hours, give the reasons for the delay."
        return [Rule(regime, Stage.notification, (Term(Anchor.awareness, 72 * HOUR),), note)]
    if regime is Regime.nis2:
        return [
            Rule(regime, Stage.early_warning, (Term(Anchor.awareness, 24 * HOUR),)),
            Rule(regime, Stage.notification, (Term(Anchor.awareness, 72 * HOUR),)),
            Rule(regime, Stage.final, (Term(submitted(Stage.notification), MONTH),)),
        ]
    if regime is Regime.dora:
        initial = (
            Term(Anchor.major_classification, 4 * HOUR),
            Term(Anchor.awareness, 24 * HOUR),
        )
        return [
            Rule(regime, Stage.initial, initial, "Only for incidents classified as major."),
            Rule(regime, Stage.intermediate, (Term(submitted(Stage.initial), 72 * HOUR),)),
            Rule(regime, Stage.final, (Term(submitted(Stage.intermediate), MONTH),)),
        ]
    if facts.get(Fact.imminent_risk):
        term = Term(Anchor.awareness, 24 * HOUR, Fact.imminent_risk.value)
        note = "Imminent risk of death or serious physical injury: tell an appropriate authority."
        return [Rule(regime, Stage.initial, (term,), note)]
    return [Rule(regime, Stage.initial, (Term(Anchor.awareness, 15 * DAY),))]


def add_month(moment: datetime) -> datetime:
    """The same day and time next month, or that month's last day (31 Jan -> 28/29 Feb)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due(anchor_at: datetime, window: Window) -> datetime:
    """When a window that starts at ``anchor_at`` ends."""
    if isinstance(window, str):
        return add_month(anchor_at)
    return anchor_at + window


def describe(window: Window) -> str:
    """``72h``, ``15 days``, ``1 month``: as the regulations spell them (GDPR, NIS2 and
    DORA count 24 and 72 hours; the AI Act and SB 53 count days)."""
    if isinstance(window, str):
        return window
    hours = int(window.total_seconds() // 3600)
    if hours % 24 == 0 and hours not in (24, 72):
        return f"{hours // 24} days"
    return f"{hours}h"


def applies_without_decision(regime: Regime, facts: Mapping[str, bool], classes: list[str]) -> bool:
    """Whether the regime's trigger is on the record without a decision.

    GDPR is about personal-data breaches: it runs when ``personal_data`` is set, or left
    unset on a privacy incident. Every other regime runs until decided not reportable.
    """
    if regime is not Regime.gdpr:
        return True
    explicit = facts.get(Fact.personal_data)
    return explicit if explicit is not None else "privacy" in classes
