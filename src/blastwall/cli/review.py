"""`blastwall review next|mark|accuracy`: the ground-truth review queue (D4)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

import typer

from blastwall.cli import output as out
from blastwall.cli.client import DEFAULT_SERVER, connect, path
from blastwall.cli.options import AsJson, Server, slug

app = typer.Typer()
review = typer.Typer(
    name="review", help="Review sampled outputs and measure accuracy (D4).", no_args_is_help=True
)
app.add_typer(review, rich_help_panel="Detection")


class Verdict(StrEnum):
    correct = "correct"
    incorrect = "incorrect"


@review.command("next")
def next_item(
    *,
    system: Annotated[
        str | None, typer.Option("--system", callback=slug("system"), help="Only this system.")
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Claim the oldest unreviewed output (the one you hold, if any) and show it."""
    url = path("review", "next") + (f"?{urlencode({'system': system})}" if system else "")
    item = connect(server).post(url)
    if item is None:
        out.line("Nothing to review.")
        return
    out.show(item, as_json, _render_item)


def _render_item(item: dict[str, Any]) -> None:
    out.fields(
        [
            ("Item", item["id"]),
            ("System", f"{item['system']} ({item['environment']})"),
            ("Trace", item["trace_id"]),
            ("At", out.when(item["at"])),
            ("Label", item["label"]),
            ("Input", item["input_text"]),
            ("Output", item["output_text"]),
        ]
    )
    out.line(f"Mark it: blastwall review mark {item['id']} correct|incorrect [--note TEXT]")


@review.command("mark")
def mark(
    item_id: Annotated[int, typer.Argument(min=1, help="Review item id.")],
    verdict: Annotated[Verdict, typer.Argument(help="correct or incorrect.")],
    *,
    note: Annotated[str, typer.Option("--note", help="Why, for the record.")] = "",
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Record your verdict on a review item."""
    body = {"verdict": verdict.value, "note": note}
    item = connect(server).post(path("review", item_id), body)
    out.show(item, as_json, lambda i: out.success(f"Item {i['id']} marked {i['verdict']}."))


@review.command("accuracy")
def accuracy(
    system: Annotated[str, typer.Argument(callback=slug("system"), help="System name.")],
    *,
    window: Annotated[
        int | None, typer.Option("--window", min=10, help="Verdicts in the current window.")
    ] = None,
    server: Server = DEFAULT_SERVER,
    as_json: AsJson = False,
) -> None:
    """Baseline and current accuracy of SYSTEM with 95% Wilson intervals."""
    found = connect(server).get(path("systems", system, "accuracy"), window=window)
    out.show(found, as_json, _render_accuracy)


def _interval(interval: dict[str, Any]) -> str:
    if interval["accuracy"] is None:
        return "no verdicts yet"
    return (
        f"{interval['accuracy']:.1%} [{interval['low']:.1%}, {interval['high']:.1%}] "
        f"({interval['correct']}/{interval['n']} correct)"
    )


def _render_accuracy(found: dict[str, Any]) -> None:
    learning = "" if found["baseline_complete"] else f" (learning: first {found['baseline_size']})"
    queue = found["queue"]
    out.fields(
        [
            ("System", found["system"]),
            ("Baseline", _interval(found["baseline"]) + learning),
            (f"Last {found['window']}", _interval(found["current"])),
            (
                "Queue",
                f"{queue['pending']} pending, {queue['claimed']} claimed, {queue['done']} done",
            ),
        ]
    )
    if found["drop"]:
        out.error("Accuracy dropped: the current interval lies below the baseline's.")
