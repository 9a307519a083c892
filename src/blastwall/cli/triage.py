"""`blastwall triage ID [--answer Q=A]`: walk an incident's triage tree from a terminal (T3)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server

app = typer.Typer()

IncidentNumber = Annotated[int, typer.Argument(min=1, help="Incident id, e.g. 12.")]


def parse_answer(text: str) -> tuple[str, str]:
    """``QUESTION=ANSWER`` -> (question, answer); BadParameter naming the fix."""
    question, sep, answer = text.partition("=")
    if not sep or not question.strip() or not answer.strip():
        raise typer.BadParameter(
            f"{text!r} is not QUESTION=ANSWER: write the question's id, '=', and the answer, "
            "e.g. --answer refunds=yes"
        )
    return question.strip(), answer.strip()


def _answers(values: list[str] | None) -> list[str]:
    for value in values or []:
        parse_answer(value)
    return values or []


@app.command("triage", rich_help_panel="Incident command")
def triage(
    *,
    incident_id: IncidentNumber,
    answer: Annotated[
        list[str],
        typer.Option(
            "--answer",
            "-a",
            callback=_answers,
            show_default=False,
            help="Answer a question, QUESTION=ANSWER (repeatable, applied in order).",
        ),
    ] = [],  # noqa: B006  (Typer reads the default; it is never mutated)
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Show where the incident's triage stands; with --answer, record answers first."""
    client = connect(server)
    url = path("incidents", incident_id, "triage")
    state = None
    for text in answer:
        question, given = parse_answer(text)
        state = client.post(url + "/answers", {"question": question, "answer": given})
    if state is None:
        state = client.get(url)
    out.show(state, as_json, render)


def render(state: dict[str, Any]) -> None:
    """The answers so far, then the question asked now or the outcome with its commands."""
    out.line(f"Triage of incident {state['incident_id']} ({state['system']})", "bold")
    for step in state["answers"]:
        out.line(
            f"  {step['text']} -> {step['answer']}   ({step['actor']}, {out.when(step['at'])})"
        )
    current = state["current"]
    if current is not None:
        choices = " | ".join(a["answer"] for a in current["answers"])
        out.line(f"Now: {current['text']} [{current['id']}]", "bold")
        out.line(f"  answers: {choices}")
        example = current["answers"][0]["answer"]
        out.line(
            f"    blastwall triage {state['incident_id']} --answer {current['id']}={example}",
            "bold cyan",
        )
        return
    outcome = state["outcome"] or {}
    out.line("Outcome", "bold")
    out.line(f"  suspected surface: {outcome.get('surface') or '-'}")
    out.line(f"  owning team: {outcome.get('team') or '-'}")
    if outcome.get("note"):
        out.line(f"  {outcome['note']}")
    for lever in outcome.get("levers", []):
        out.line(f"    {lever['command']}", "bold cyan")
