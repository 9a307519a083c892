"""Report drafts filled from the record, their lineage, and submitting one.

A draft renders the regime's Jinja2 template (``templates/``, or the same file name in the
directory ``BLASTWALL_REGULATORY_TEMPLATES_DIR`` names) and is stored with its SHA-256; each
new draft of a regime supersedes the one before it. Submitting marks the latest as sent,
appends its exact text to the communications ledger (kind ``report``, to the authority the
system's regime names) and meets its stage's clock.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.comms import ledger
from blastwall.comms.enums import MessageKind
from blastwall.config import get_settings
from blastwall.db.base import utcnow
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.incidents.models import Incident
from blastwall.incidents.timeline import require_incident
from blastwall.regulatory import clocks, fields, service
from blastwall.regulatory.enums import Decision, Regime, ReportFormat, Stage
from blastwall.regulatory.models import Report, SystemRegime
from blastwall.regulatory.rules import REGIMES, rules_for

DRAFTED = "regulatory.report_drafted"
SUBMITTED = "regulatory.report_submitted"
CHANNEL = "regulator"
"""The ledger channel of a report: sent to the authority outside Blastwall, recorded here."""
PACKAGE_TEMPLATES = Path(__file__).parent / "templates"


def environment(directory: Path | None = None) -> jinja2.Environment:
    """Templates from ``directory`` first (the user's overrides), then the package's."""
    folders = [str(directory)] if directory is not None else []
    loader = jinja2.FileSystemLoader([*folders, str(PACKAGE_TEMPLATES)])
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # Markdown and JSON, never HTML: nothing to escape for a browser.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
    )
    env.filters["json"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)
    return env


def template_names(regime: Regime, fmt: ReportFormat) -> list[str]:
    """The regime's own template, then the shared one: ``gdpr.md.j2``, ``report.md.j2``."""
    return [f"{regime.value}.{fmt.value}.j2", f"report.{fmt.value}.j2"]


def render(context: dict[str, Any], regime: Regime, fmt: ReportFormat) -> str:
    """The report text; InvalidInput naming the template when it is broken."""
    env = environment(get_settings().regulatory_templates_dir)
    try:
        template = env.select_template(template_names(regime, fmt))
        text = template.render(**context)
    except jinja2.TemplateError as exc:
        raise InvalidInput(
            f"report template for {regime.value} ({fmt.value}) failed: {exc}; fix the "
            "template in BLASTWALL_REGULATORY_TEMPLATES_DIR or remove it to use the shipped one"
        ) from None
    if fmt is ReportFormat.json:
        try:
            json.loads(text)
        except ValueError as exc:
            raise InvalidInput(
                f"report template {template.name} did not render valid JSON ({exc}): fix it"
            ) from None
    return text


def setting_of(session: Session, incident: Incident, regime: Regime) -> SystemRegime:
    """The incident's system's settings for ``regime``, or Conflict saying how to add it."""
    found = session.scalar(
        select(SystemRegime).where(
            SystemRegime.system_id == incident.system_id, SystemRegime.regime == regime.value
        )
    )
    if incident.system is None or found is None:
        system = incident.system.name if incident.system else "(no system)"
        raise Conflict(
            f"incident {incident.id}'s system {system} does not fall under {regime.value}: "
            "add it to the system's regimes in blastwall.yaml (docs/regulatory.md) and apply"
        )
    return found


def lineage(session: Session, incident_id: int, regime: Regime | None = None) -> list[Report]:
    """The incident's reports, by regime and version."""
    query = select(Report).where(Report.incident_id == incident_id)
    if regime is not None:
        query = query.where(Report.regime == regime.value)
    return list(session.scalars(query.order_by(Report.regime, Report.version)))


def superseded_ids(reports: list[Report]) -> set[int]:
    return {r.supersedes_id for r in reports if r.supersedes_id is not None}


def next_stage(session: Session, incident: Incident, regime: Regime) -> Stage:
    """The first clocked stage not submitted yet, else the regime's follow-up (or final)."""
    sent = {r.stage for r in lineage(session, incident.id, regime) if r.submitted_at}
    facts = service.facts(session, incident.id)
    for rule in rules_for(regime, facts):
        if rule.stage.value not in sent:
            return rule.stage
    stages = REGIMES[regime].stages
    return Stage.follow_up if Stage.follow_up in stages else Stage.final


def draft(
    session: Session,
    incident_id: int,
    regime: Regime,
    actor: Actor,
    *,
    stage: Stage | None = None,
    fmt: ReportFormat = ReportFormat.md,
    now: datetime | None = None,
) -> Report:
    """Fill a new report from the record; it supersedes the regime's previous one."""
    incident = require_incident(session, incident_id, for_update=True)
    setting = setting_of(session, incident, regime)
    chosen = stage or next_stage(session, incident, regime)
    allowed = REGIMES[regime].stages
    if chosen not in allowed:
        raise InvalidInput(
            f"{regime.value} has no {chosen.value} report: use one of "
            f"{', '.join(s.value for s in allowed)}",
            field="stage",
        )
    previous = fields.last(session, incident_id, regime)
    if previous is not None and previous.stage == Stage.final and previous.submitted_at:
        raise Conflict(
            f"the final {regime.value} report (report {previous.id}) was submitted on "
            f"{previous.submitted_at.isoformat()}: the lineage is closed"
        )
    moment = now or utcnow()
    context = _context(
        session, incident=incident, regime=regime, stage=chosen, setting=setting, now=moment
    )
    context["version"] = previous.version + 1 if previous else 1
    context["supersedes_id"] = previous.id if previous else None
    body = render(context, regime, fmt)
    report = Report(
        incident_id=incident_id,
        regime=regime.value,
        stage=chosen.value,
        version=context["version"],
        supersedes_id=context["supersedes_id"],
        format=fmt.value,
        body=body,
        sha256=ledger.digest(body),
        created_by=actor.name,
        created_at=moment,
    )
    session.add(report)
    session.flush()
    title = REGIMES[regime].title
    record(
        session,
        Change(
            action=DRAFTED,
            target=f"report/{report.id}",
            actor=actor,
            after={
                "regime": regime.value,
                "stage": chosen.value,
                "version": report.version,
                "supersedes_id": report.supersedes_id,
                "sha256": report.sha256,
            },
            incident_id=incident_id,
            system=incident.system.name if incident.system else None,
            timeline=f"Drafted {title} {chosen.value} report v{report.version} "
            f"(report {report.id}, sha256 {report.sha256[:12]})",
            data={"report_id": report.id, "regime": regime.value, "stage": chosen.value},
        ),
    )
    return report


def _context(
    session: Session,
    *,
    incident: Incident,
    regime: Regime,
    stage: Stage,
    setting: SystemRegime,
    now: datetime,
) -> dict[str, Any]:
    decided = service.decisions(session, incident.id).get(regime)
    sent = lineage(session, incident.id)
    others = sorted({r.regime for r in sent if r.submitted_at and r.regime != regime.value})
    inputs = fields.Inputs(
        incident=incident,
        regime=regime,
        stage=stage,
        setting=setting,
        facts=service.facts(session, incident.id),
        decision=Decision(decided.decision) if decided else Decision.undecided,
        decided_at=decided.decided_at if decided else None,
        decision_rationale=decided.rationale if decided else "",
        clocks=clocks.of_incident(session, incident, now),
        other_regimes=others,
        final=stage is Stage.final,
    )
    sections = fields.build(session, inputs)
    return {
        "title": f"{REGIMES[regime].title}: {stage.value.replace('_', ' ')} report",
        "regime": regime.value,
        "stage": stage.value,
        "incident_id": incident.id,
        "drafted_at": now.isoformat(),
        "unknown": fields.UNKNOWN,
        "sections": sections,
        "fields": fields.as_json(sections),
    }


def get(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(
            f"report {report_id} does not exist; `blastwall report list INCIDENT` lists them"
        )
    return report


def submit(
    session: Session, report_id: int, actor: Actor, *, now: datetime | None = None
) -> Report:
    """Mark the latest draft as sent: ledger entry with its exact text, clock met."""
    report = get(session, report_id)
    incident = require_incident(session, report.incident_id, for_update=True)
    session.refresh(report)
    if report.submitted_at is not None:
        raise Conflict(
            f"report {report_id} was already submitted on {report.submitted_at.isoformat()} "
            f"by {report.submitted_by}"
        )
    newer = session.scalar(select(Report.id).where(Report.supersedes_id == report.id))
    if newer is not None:
        raise Conflict(
            f"report {report_id} is superseded by report {newer}: submit the latest "
            f"(`blastwall report submit {newer}`)"
        )
    regime = Regime(report.regime)
    setting = setting_of(session, incident, regime)
    moment = now or utcnow()
    entry = ledger.append(
        session,
        kind=MessageKind.report,
        channel=CHANNEL,
        recipient=setting.authority,
        text=report.body,
        actor=actor.name,
        incident_id=incident.id,
        ref=f"report:{report.id}",
        at=moment,
    )
    report.submitted_at, report.submitted_by, report.recipient = (
        moment,
        actor.name,
        setting.authority,
    )
    session.flush()
    record(
        session,
        Change(
            action=SUBMITTED,
            target=f"report/{report.id}",
            actor=actor,
            before={"submitted_at": None},
            after={
                "submitted_at": moment.isoformat(),
                "recipient": setting.authority,
                "sha256": report.sha256,
                "ledger_id": entry.id,
            },
            incident_id=incident.id,
            system=incident.system.name if incident.system else None,
            timeline=f"Submitted {REGIMES[regime].title} {report.stage} report v{report.version} "
            f"to {setting.authority} (report {report.id}, sha256 {report.sha256[:12]})",
            data={"report_id": report.id, "regime": regime.value, "stage": report.stage},
        ),
    )
    return report
