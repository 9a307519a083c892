"""Every field of a report, filled from the record or marked unknown.

The EU serious-incident template (draft Commission template v1.0.0, September 2025) and
GDPR Art. 33(3), as REGULATORY.md lists them; NIS2, DORA and SB 53 reports use the EU
template's administrative and incident sections. A field the record cannot fill says
``UNKNOWN`` so a reader sees what is left to complete; nothing is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.blastradius import service as blastradius
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.registry.models import Deployment
from blastwall.regulatory.clocks import Clock
from blastwall.regulatory.enums import Decision, Fact, Regime, Stage
from blastwall.regulatory.models import Report, SystemRegime

UNKNOWN = "unknown — to be completed"
LIABILITY = "This report is made without prejudice and is not an admission of liability or fault."
REMEDIAL_KINDS = ("lever", "rollback", "policy", "model_kill")
CLASSIFICATIONS = (
    Fact.death,
    Fact.health,
    Fact.critical_infrastructure,
    Fact.fundamental_rights,
    Fact.property,
    Fact.environment,
)


@dataclass
class Field:
    key: str
    label: str
    value: str
    known: bool


@dataclass
class Section:
    key: str
    title: str
    fields: list[Field] = field(default_factory=list)

    def add(self, key: str, label: str, value: Any) -> None:
        text = _text(value)
        self.fields.append(Field(key, label, text or UNKNOWN, bool(text)))


@dataclass(frozen=True)
class Inputs:
    """Everything a report is filled from, gathered by ``reports.draft``."""

    incident: Incident
    regime: Regime
    stage: Stage
    setting: SystemRegime
    facts: dict[str, bool]
    decision: Decision
    decided_at: datetime | None
    decision_rationale: str
    clocks: list[Clock]
    other_regimes: list[str]
    final: bool


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def _release(session: Session, incident: Incident) -> str:
    """The release in force when the incident started (newest deployment before it)."""
    query = (
        select(Deployment)
        .where(
            Deployment.system_id == incident.system_id,
            Deployment.activated_at <= incident.started_at,
        )
        .order_by(Deployment.id.desc())
        .limit(1)
    )
    deployment = session.scalar(query)
    if deployment is None:
        return ""
    release = deployment.release
    items = sorted(release.items, key=lambda item: item.surface.name)
    parts = [f"{i.surface.name} v{i.version.number} ({i.version.content_hash[:12]})" for i in items]
    return f"release {release.name} in {deployment.environment}: " + ", ".join(parts)


def _model(incident: Incident) -> str:
    system = incident.system
    if system is None:
        return ""
    models = [s.name for s in system.surfaces if s.kind == "model"]
    return ", ".join(models)


def _remedial(session: Session, incident: Incident) -> list[str]:
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident.id, TimelineEntry.kind.in_(REMEDIAL_KINDS))
        .order_by(TimelineEntry.id)
    )
    return [f"{e.at.isoformat()} {e.message}" for e in session.scalars(query)]


def _window(incident: Incident) -> str:
    end = incident.resolved_at or incident.contained_at
    ended = end.isoformat() if end is not None else "ongoing"
    return f"{incident.started_at.isoformat()} to {ended}"


def _report_type(inputs: Inputs) -> str:
    if inputs.decision is Decision.not_reportable and inputs.final:
        return "final (non-reportable)"
    if inputs.final:
        return "final (reportable)"
    if inputs.stage is Stage.follow_up or inputs.stage is Stage.intermediate:
        return "follow-up"
    return "initial"


def _next_due(inputs: Inputs) -> str:
    upcoming = [
        c
        for c in inputs.clocks
        if c.regime is inputs.regime
        and c.stage is not inputs.stage
        and c.due_at is not None
        and c.status.value == "running"
    ]
    if not upcoming:
        return ""
    first = min(upcoming, key=lambda c: c.due_at or datetime.max)
    return f"{first.stage.value}: {_text(first.due_at)}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _narrative(incident: Incident) -> str:
    parts = [_sentence(incident.title)]
    if incident.summary:
        parts.append(_sentence(incident.summary))
    classes = ", ".join(incident.classes) or "unclassified"
    parts.append(
        f"Classes: {classes}; harm {incident.harm}; downstream actions {incident.reversibility}"
        + (f"; failure mode {incident.failure_mode}" if incident.failure_mode else "")
        + f"; severity {incident.severity}."
    )
    return " ".join(parts)


def _administrative(inputs: Inputs) -> Section:
    incident, setting, system = inputs.incident, inputs.setting, inputs.incident.system
    admin = Section("administrative", "1. Administrative information")
    admin.add("authority", "Authority (and its country)", setting.authority)
    admin.add("authority_reference", "Authority reference number", "")
    admin.add("submission_date", "Submission date", "")
    admin.add("incident_date", "Incident date or range", _window(incident))
    admin.add("detection_time", "Detection date and time", incident.detected_at)
    admin.add(
        "awareness_time",
        "Date of awareness that it is reportable",
        inputs.decided_at if inputs.decision is Decision.reportable else None,
    )
    admin.add("report_type", "Report type", _report_type(inputs))
    admin.add("next_report_due", "When the next report is due", _next_due(inputs))
    admin.add(
        "classification",
        "Classification",
        [f.value.replace("_", " ") for f in CLASSIFICATIONS if inputs.facts.get(f)],
    )
    admin.add("submitter_role", "Submitter role", setting.role)
    owner = system.owner if system else ""
    admin.add("submitter_contact", "Submitter contacts", setting.contact or owner)
    others = inputs.other_regimes or "none"
    admin.add("other_regimes", "Other regimes it was reported under", others)
    return admin


def _ai_system(session: Session, inputs: Inputs) -> Section:
    incident, system = inputs.incident, inputs.incident.system
    ai = Section("ai_system", "2. AI system")
    registration = inputs.setting.registration_id
    ai.add("registration_id", "EU database registration id (Art. 71)", registration)
    ai.add("trade_name", "Trade name", system.name if system else "")
    ai.add("description", "Description", system.description if system else "")
    ai.add("model", "Model", _model(incident))
    ai.add("software_version", "Software version", _release(session, incident))
    return ai


def _incident(inputs: Inputs, users: int, remedial: list[str]) -> Section:
    incident = inputs.incident
    happened = Section("incident", "3. Incident")
    label = "Narrative (what went wrong, effects, likely causality)"
    happened.add("narrative", label, _narrative(incident))
    happened.add("users_affected", "Number of users affected", users)
    happened.add("remedial_actions", "Remedial actions", remedial)
    happened.add("first_reporter", "Contact of the first reporter", incident.created_by)
    return happened


def _analysis(inputs: Inputs) -> Section:
    analysis = Section("provider_analysis", "4. Provider analysis")
    analysis.add("preliminary_results", "Preliminary results", "")
    analysis.add("corrective_actions", "Corrective and preventive actions", "")
    analysis.add("planned_investigation", "Planned investigation", "")
    analysis.add("root_cause", "Root cause", "")
    reasons = {
        Decision.not_reportable: inputs.decision_rationale,
        Decision.reportable: "not applicable: decided reportable",
    }.get(inputs.decision, "")
    analysis.add("not_reportable_reasons", "Reasons if found not reportable", reasons)
    analysis.add("risk_assessment_adequate", "Whether the risk assessment is still adequate", "")
    return analysis


def _closing() -> Section:
    closing = Section("comments", "5. Comments")
    closing.add("comments", "Comments", "")
    closing.add("liability", "Statement", LIABILITY)
    return closing


def _gdpr(inputs: Inputs, users: int, records: int, remedial: list[str]) -> Section:
    incident = inputs.incident
    breach = Section("gdpr", "GDPR Art. 33(3)")
    breach.add("nature", "Nature of the breach", _narrative(incident))
    breach.add("subject_categories", "Categories of data subjects", "")
    breach.add("subjects_approx", "Approximate number of data subjects", users)
    breach.add("record_categories", "Categories of personal-data records", "")
    breach.add("records_approx", "Approximate number of records", records)
    breach.add("dpo_contact", "Contact of the data-protection officer", inputs.setting.contact)
    consequences = f"harm {incident.harm}; downstream actions {incident.reversibility}"
    breach.add("consequences", "Likely consequences", consequences)
    breach.add("measures", "Measures taken or proposed", remedial)
    breach.add("delay_reasons", "Reasons for any delay past 72 hours", _gdpr_delay(inputs))
    return breach


def build(session: Session, inputs: Inputs) -> list[Section]:
    """The report's sections and fields for ``inputs.regime``, every field present."""
    radius = blastradius.compute(session, inputs.incident.id)
    remedial = _remedial(session, inputs.incident)
    sections = [
        _administrative(inputs),
        _ai_system(session, inputs),
        _incident(inputs, radius.users, remedial),
        _analysis(inputs),
        _closing(),
    ]
    if inputs.regime is Regime.gdpr:
        sections.append(_gdpr(inputs, radius.users, radius.traces, remedial))
    return sections


def _gdpr_delay(inputs: Inputs) -> str:
    clock = next((c for c in inputs.clocks if c.regime is Regime.gdpr), None)
    if clock is not None and clock.overdue:
        return ""
    return "not applicable: within 72 hours"


def as_json(sections: list[Section]) -> dict[str, dict[str, Any]]:
    """``{section: {field: value}}``, the JSON report's ``fields``."""
    return {s.key: {f.key: f.value for f in s.fields} for s in sections}


def last(session: Session, incident_id: int, regime: Regime) -> Report | None:
    query = (
        select(Report)
        .where(Report.incident_id == incident_id, Report.regime == regime.value)
        .order_by(Report.version.desc())
        .limit(1)
    )
    return session.scalar(query)
