"""String enums of regulatory reporting: regimes, decisions, facts, anchors, stages."""

from __future__ import annotations

from enum import StrEnum


class Regime(StrEnum):
    """A reporting regime a system can fall under (docs/regulatory.md)."""

    eu_ai_act = "eu_ai_act"
    gdpr = "gdpr"
    nis2 = "nis2"
    dora = "dora"
    ca_sb53 = "ca_sb53"


class Decision(StrEnum):
    """Whether an incident is reportable under one regime; kept apart from severity."""

    reportable = "reportable"
    not_reportable = "not_reportable"
    undecided = "undecided"


class Fact(StrEnum):
    """Incident facts that choose a deadline variant or fill a report's classification."""

    death = "death"
    health = "health"
    critical_infrastructure = "critical_infrastructure"
    fundamental_rights = "fundamental_rights"
    property = "property"
    environment = "environment"
    widespread = "widespread"
    imminent_risk = "imminent_risk"
    personal_data = "personal_data"


class Anchor(StrEnum):
    """Moments a deadline counts from; ``awareness`` defaults to the incident's detection."""

    awareness = "awareness"
    major_classification = "major_classification"
    causal_link = "causal_link"


class Stage(StrEnum):
    """A report in a regime's lineage; some stages have a deadline clock (rules.py)."""

    initial = "initial"
    early_warning = "early_warning"
    notification = "notification"
    intermediate = "intermediate"
    follow_up = "follow_up"
    final = "final"


class ClockStatus(StrEnum):
    """Where one regime's stage stands."""

    running = "running"
    met = "met"
    not_applicable = "not_applicable"
    waiting_for_anchor = "waiting_for_anchor"


class ReportFormat(StrEnum):
    md = "md"
    json = "json"


class Role(StrEnum):
    """The organisation's role under a regime, as the EU template asks it."""

    provider = "provider"
    deployer = "deployer"
    authorised_representative = "authorised_representative"
    controller = "controller"
    other = "other"
