"""Triage of an incident: where its system's tree stands, and recording an answer.

The answers are the incident's timeline entries of kind ``triage`` (each one a change
``incident.triage_answered``), replayed against the tree: answering an earlier question
again takes triage back to it. Incidents have no suspected-surface field, so an outcome
rides in the timeline entry's data (``outcome``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.schemas import Actor
from blastwall.changes import Change, record
from blastwall.exceptions import Conflict, InvalidInput, NotFound
from blastwall.incidents.models import Incident, TimelineEntry
from blastwall.incidents.timeline import require_incident
from blastwall.registry.models import System
from blastwall.runbook import commands
from blastwall.triage.models import TriageTree

KIND = "triage"
ACTION = "incident.triage_answered"

Question = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One answer on the path through the tree."""

    question: str
    text: str
    answer: str
    at: datetime
    actor: str


@dataclass
class State:
    """The tree, the answers on its path, and the question asked now or the outcome."""

    incident_id: int
    system: str
    questions: list[Question]
    answers: list[Step] = field(default_factory=list)
    current: Question | None = None
    outcome: dict[str, Any] | None = None


def tree_of(session: Session, system: System) -> list[Question]:
    """The system's questions, or NotFound saying how to declare a tree."""
    row = session.scalar(select(TriageTree).where(TriageTree.system_id == system.id))
    if row is None:
        raise NotFound(
            f"{system.name} has no triage tree: add one under 'triage:' in blastwall.yaml "
            "(docs/triage.md) and apply it"
        )
    return row.questions


def _system(incident: Incident) -> System:
    if incident.system is None:
        raise Conflict(
            f"incident {incident.id} names no system, so it has no triage tree: open "
            "incidents with their system (`blastwall incident open --system NAME ...`)"
        )
    return incident.system


def with_commands(
    system: str, outcome: dict[str, Any], incident_id: int, environment: str
) -> dict[str, Any]:
    """The outcome plus the exact command line of each suggested lever."""
    levers = [
        {
            **lever,
            "command": commands.lever(
                system, lever["lever"], lever.get("value"), environment, incident_id
            ),
        }
        for lever in outcome.get("levers", [])
    ]
    return {**outcome, "levers": levers}


def primary_environment(system: System) -> str:
    """Where a responder acts first: prod if the system runs there, else its last one."""
    return "prod" if "prod" in system.environments else system.environments[-1]


def _entries(session: Session, incident_id: int) -> list[TimelineEntry]:
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id, TimelineEntry.kind == KIND)
        .order_by(TimelineEntry.id)
    )
    return list(session.scalars(query))


def _replay(state: State, entries: list[TimelineEntry]) -> None:
    """Walk the tree along the recorded answers; one no longer in the tree ends the walk."""
    path: list[Step] = []
    for entry in entries:
        question, answer = entry.data.get("question"), entry.data.get("answer")
        asked = [step.question for step in path]
        if question in asked:
            path = path[: asked.index(question)]
        path.append(Step(str(question), "", str(answer), entry.at, entry.actor))
    by_id = {q["id"]: q for q in state.questions}
    current: Question | None = state.questions[0]
    for step in path:
        if current is None or step.question != current["id"]:
            break
        chosen = next((a for a in current["answers"] if a["answer"] == step.answer), None)
        if chosen is None:
            break
        state.answers.append(Step(step.question, current["text"], step.answer, step.at, step.actor))
        if "outcome" in chosen:
            current = None
            state.outcome = chosen["outcome"]
            break
        current = by_id.get(chosen["next"])
    state.current = current


def state(session: Session, incident_id: int) -> State:
    """Where triage of the incident stands. NotFound if it or its tree does not exist."""
    incident = require_incident(session, incident_id)
    system = _system(incident)
    found = State(incident.id, system.name, tree_of(session, system))
    _replay(found, _entries(session, incident.id))
    if found.outcome is not None:
        found.outcome = with_commands(
            system.name, found.outcome, incident.id, primary_environment(system)
        )
    return found


def _match(question: Question, answer: str) -> dict[str, Any]:
    wanted = answer.strip().casefold()
    for option in question["answers"]:
        if option["answer"].casefold() == wanted:
            return dict(option)
    listed = ", ".join(repr(a["answer"]) for a in question["answers"])
    raise InvalidInput(
        f"{answer!r} is not an answer to {question['id']!r} ({question['text']}): answer one "
        f"of {listed}",
        field="answer",
    )


def answer(session: Session, incident_id: int, question_id: str, given: str, actor: Actor) -> State:
    """Record the answer to the question asked now, or to an earlier one to go back to it."""
    incident = require_incident(session, incident_id, for_update=True)
    before = state(session, incident.id)
    open_ids = [step.question for step in before.answers]
    if before.current is not None:
        open_ids.append(before.current["id"])
    if question_id not in open_ids:
        now = (
            f"the question asked now is {before.current['id']!r} ({before.current['text']})"
            if before.current is not None
            else "triage has reached its outcome"
        )
        raise Conflict(
            f"{question_id!r} is not a question on this incident's triage path: {now}; "
            f"you may answer {', '.join(map(repr, open_ids))}",
            field="question",
        )
    question = next(q for q in before.questions if q["id"] == question_id)
    chosen = _match(question, given)
    data: dict[str, Any] = {"question": question_id, "answer": chosen["answer"]}
    if "outcome" in chosen:
        data["outcome"] = chosen["outcome"]
    else:
        data["next"] = chosen["next"]
    record(
        session,
        Change(
            action=ACTION,
            target=f"incident:{incident.id}",
            actor=actor,
            reason=f"{question_id} = {chosen['answer']}",
            incident_id=incident.id,
            system=before.system,
            timeline=f"Triage: {question['text']} → {chosen['answer']}",
            data=data,
        ),
    )
    return state(session, incident.id)
