"""Draft a blameless postmortem's sections from the record (L1).

Every fact comes from what was recorded: the incident's milestones and timeline, the
signals that opened or joined it (with the detector's estimated change time), the
system's monitors, the blast radius, the release history. The AI-specific questions of
L1 are sections for people to answer; a draft only seeds them with the facts it has.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.blastradius import service as blastradius
from blastwall.blastradius.schemas import BlastRadius
from blastwall.detect.monitors.models import Alarm, Monitor
from blastwall.incidents.models import Incident, IncidentSignal, TimelineEntry
from blastwall.postmortems import release_diff
from blastwall.postmortems.text import at, between, duration

# (key, title) in the order the Markdown shows them.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("timeline", "Timeline"),
    ("detection", "Detection"),
    ("containment", "Containment"),
    ("rollback", "Rollback and verification"),
    ("blast_radius", "Blast radius"),
    ("release_diff", "Release diff around the start"),
    ("model_output", "What the model produced"),
    ("root_cause", "Root cause across surfaces"),
    ("amplification", "Which automation amplified it"),
    ("drift_data", "What data caused drift"),
    ("monitoring_gap", "What monitoring gap let it reach production"),
    ("incentives", "What incentive kept anyone from flagging it earlier"),
)
KEYS = tuple(key for key, _ in SECTIONS)
QUESTIONS = {
    "model_output": "What did the model produce, and who received it?",
    "root_cause": (
        "Which surface caused it: model, prompt, retrieval, configuration or the input "
        "distribution? Say how you know."
    ),
    "amplification": "Which automation (tools, downstream actions, retries) amplified it?",
    "drift_data": "What data caused the drift: new inputs, a new source, a changed label?",
    "monitoring_gap": "What monitoring gap let it reach production unnoticed?",
    "incentives": (
        "What incentive or pressure kept anyone from flagging it earlier? Describe conditions "
        "and systems, never people's failings."
    ),
}
CONTAINING_KINDS = ("lever", "policy", "rollback", "release")


def _ask(key: str, facts: list[str] | None = None) -> str:
    text = f"_To fill: {QUESTIONS[key]}_"
    return text if not facts else text + "\n\nFrom the record:\n" + "\n".join(facts)


def _entry(entry: TimelineEntry) -> str:
    return f"- {at(entry.at)} · {entry.kind} · {entry.actor}: {entry.message}"


def summary(incident: Incident) -> str:
    system = incident.system.name if incident.system is not None else "not named"
    rows = [
        ("Estimated start", incident.started_at, None),
        ("Detected", incident.detected_at, incident.started_at),
        ("Acknowledged", incident.acknowledged_at, incident.detected_at),
        ("Contained", incident.contained_at, incident.detected_at),
        ("Mitigated", incident.mitigated_at, incident.detected_at),
        ("Resolved", incident.resolved_at, incident.started_at),
    ]
    lines = [
        f"Incident {incident.id}: {incident.title}" + (" (drill)" if incident.drill else ""),
        "",
        f"- System: {system}",
        f"- Severity {incident.severity} ({incident.harm} harm, {incident.reversibility})",
        f"- Classes: {', '.join(incident.classes) or 'none'}",
        f"- Status: {incident.status}",
    ]
    if incident.summary:
        lines += ["", incident.summary]
    lines += ["", "| Milestone | At | After |", "|---|---|---|"]
    for label, moment, since in rows:
        after = "" if since is None or moment is None else duration(between(since, moment))
        lines.append(f"| {label} | {at(moment)} | {after} |")
    lines += ["", "Blameless: this document describes systems and conditions, not people."]
    return "\n".join(lines)


def timeline(incident: Incident) -> str:
    return "\n".join(_entry(e) for e in incident.timeline) or "No timeline entries."


def _alarm_facts(alarm: Alarm, incident: Incident) -> list[str]:
    offset = between(incident.started_at, alarm.change_at)
    return [
        f"- Monitor `{alarm.monitor}` ({alarm.signal}) alarmed at {at(alarm.at)}: "
        f"{alarm.description}",
        f"  - It estimated the change began at {at(alarm.change_at)} "
        f"({duration(offset)} from the estimated start) and needed "
        f"{alarm.change_observations} observations of it to alarm "
        f"(false-alarm rate {alarm.false_alarm_rate:g}).",
    ]


def _why_not_sooner(session: Session, incident: Incident, alarms: list[Alarm]) -> list[str]:
    """Facts that explain the delay: no monitor, a disabled or learning one, a slow alarm."""
    if incident.system is None:
        return ["- No system is named on the incident, so no monitor could watch it."]
    monitors = list(
        session.scalars(
            select(Monitor).where(Monitor.system_id == incident.system.id).order_by(Monitor.name)
        )
    )
    if not monitors:
        return [f"- {incident.system.name} has no monitor: nothing watched its outputs."]
    facts = []
    for monitor in monitors:
        phase = monitor.state.phase if monitor.state is not None else "not started"
        if not monitor.enabled:
            facts.append(f"- Monitor `{monitor.name}` ({monitor.signal}) is disabled.")
        elif phase != "monitoring":
            message = (
                f": {monitor.state.message}" if monitor.state and monitor.state.message else ""
            )
            facts.append(f"- Monitor `{monitor.name}` ({monitor.signal}) is {phase}{message}.")
    for alarm in alarms:
        lag = between(alarm.change_at, alarm.at)
        facts.append(
            f"- `{alarm.monitor}` took {duration(lag)} from the estimated change to its alarm: "
            "a detector waits for enough evidence to keep false alarms rare."
        )
    if not alarms:
        watched = ", ".join(f"`{m.name}` ({m.signal})" for m in monitors)
        facts.append(f"- None of {incident.system.name}'s monitors ({watched}) alarmed.")
    return facts


def detection(session: Session, incident: Incident) -> str:
    signals = list(
        session.scalars(
            select(IncidentSignal)
            .where(IncidentSignal.incident_id == incident.id)
            .order_by(IncidentSignal.id)
        )
    )
    alarms = list(
        session.scalars(select(Alarm).where(Alarm.incident_id == incident.id).order_by(Alarm.id))
    )
    ttd = between(incident.started_at, incident.detected_at)
    lines = [
        f"- Estimated start: {at(incident.started_at)}",
        f"- Detected: {at(incident.detected_at)} (time to detect: {duration(ttd)})",
    ]
    if signals:
        lines += ["", "Signals:"]
        lines += [
            f"- {s.source} `{s.key}` ({s.title}) started {at(s.started_at)}, received "
            f"{at(s.received_at)}" + (f", repeated {s.repeats} times" if s.repeats else "")
            for s in signals
        ]
    else:
        lines += [
            "",
            f"No monitor or alert opened or joined this incident: {incident.created_by} "
            "opened it by hand.",
        ]
    for alarm in alarms:
        lines += _alarm_facts(alarm, incident)
    lines += ["", "Why not sooner:", *_why_not_sooner(session, incident, alarms)]
    return "\n".join(lines)


def _contains(entry: TimelineEntry) -> bool:
    if entry.kind in CONTAINING_KINDS:
        return True
    return entry.kind == "status" and entry.data.get("to") in ("contained", "mitigated")


def containment(incident: Incident) -> str:
    lines = [
        f"- Acknowledged: {at(incident.acknowledged_at)} (time to acknowledge: "
        f"{duration(between(incident.detected_at, incident.acknowledged_at))})",
        f"- Contained: {at(incident.contained_at)} (time to contain: "
        f"{duration(between(incident.detected_at, incident.contained_at))})",
    ]
    acts = [_entry(e) for e in incident.timeline if _contains(e)]
    lines += ["", "Levers, policies, rollbacks and moves, with who and when:"]
    lines += acts or ["- None recorded."]
    return "\n".join(lines)


def rollback(incident: Incident) -> str:
    rollbacks = [e for e in incident.timeline if e.kind == "rollback"]
    verifications = [e for e in incident.timeline if e.kind == "verification"]
    if not rollbacks:
        lines = ["No rollback was made for this incident."]
    else:
        lines = [_entry(e) for e in rollbacks]
    if verifications:
        last = verifications[-1]
        verdict = "verified" if last.data.get("status") == "verified" else "not verified"
        lines += ["", f"Verification: {verdict}."] + [_entry(e) for e in verifications]
    elif rollbacks:
        lines += ["", "Verification: not verified (no verification was recorded)."]
    return "\n".join(lines)


def blast_radius(found: BlastRadius) -> str:
    labels = ", ".join(f"{k}: {v}" for k, v in sorted(found.outputs_by_label.items()))
    lines = [
        f"- Window: {at(found.start)} to {at(found.end)}",
        f"- Affected users: {found.users}",
        f"- Traces: {found.traces}",
        f"- Outputs by label: {labels or 'none'}",
        f"- Downstream actions fired: {found.reversible_actions} reversible, "
        f"{found.irreversible_actions} irreversible",
    ]
    lines += [
        f"  - {a.name} ({'reversible' if a.reversible else 'irreversible'}): {a.fired}"
        for a in sorted(found.actions, key=lambda a: a.name)
    ]
    return "\n".join(lines)


def model_output(found: BlastRadius) -> str:
    facts = [
        f"- {at(e.at)} trace `{e.trace_id}` ({e.label or 'no label'}): {e.output or ''}".rstrip()
        for e in found.examples
    ]
    return _ask("model_output", facts)


def build(session: Session, incident: Incident) -> dict[str, str]:
    """Every section's generated text, keyed as ``SECTIONS``."""
    found = blastradius.compute(session, incident.id)
    sections = {
        "summary": summary(incident),
        "timeline": timeline(incident),
        "detection": detection(session, incident),
        "containment": containment(incident),
        "rollback": rollback(incident),
        "blast_radius": blast_radius(found),
        "release_diff": release_diff.describe(session, incident),
        "model_output": model_output(found),
    }
    for key in QUESTIONS:
        if key not in sections:
            sections[key] = _ask(key)
    return sections
