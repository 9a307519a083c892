"""`blastwall detect replay`: run a recorded stream through the server's detectors (D8).

Prints the index of every alarm, one per line, on stdout, and everything else (bad rows
skipped, the baseline learned, the calibrated threshold) on stderr.  This is the adapter
contract of the shared detection benchmark: each alarm is decided from the values before
it, and the detector restarts after each alarm.  ``--kind`` is required; the benchmark
harness, which passes only environment variables, may give it as ``BENCH_KIND`` instead
(kept out of ``--help``: it is the harness's variable, not a user's).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from blastwall.cli.errors import CliError, UsageProblem

if TYPE_CHECKING:
    from blastwall.detect.replay import Replay

app = typer.Typer()
detect = typer.Typer(
    name="detect",
    help="Replay recorded streams through the change detectors.",
    no_args_is_help=True,
)
app.add_typer(detect, rich_help_panel="Detection")

_KINDS = ("categorical", "binary", "continuous")


@detect.command("replay")
def replay_command(
    stream: Annotated[
        Path,
        typer.Argument(
            help="CSV file with header 'index,value', one observation per line.",
            show_default=False,
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Required: what the values are: categorical (category ids 0..255), "
            "binary (0/1) or continuous (numbers).",
            show_default=False,
        ),
    ] = None,
    reference: Annotated[
        int,
        typer.Option("--reference", min=10, help="Observations that form the baseline."),
    ] = 10_000,
    false_alarm_rate: Annotated[
        float,
        typer.Option(
            "--false-alarm-rate",
            help="Target false alarms per observation under no change (1e-5 = 1 per 100k).",
        ),
    ] = 1e-5,
    allow_negative: Annotated[
        bool,
        typer.Option(
            "--allow-negative",
            help="Continuous values may be negative (signed features); default: skip them.",
        ),
    ] = False,
) -> None:
    """Print the index of every alarm on a recorded stream, one per line."""
    from blastwall.detect.detectors import Kind  # noqa: PLC0415  (server extra: numpy)
    from blastwall.detect.replay import replay_file  # noqa: PLC0415  (server extra: numpy)

    chosen = kind or os.environ.get("BENCH_KIND")
    if not chosen:
        raise UsageProblem(
            "missing --kind: say what the values are: --kind categorical|binary|continuous "
            "(category ids 0..255, 0/1, or numbers)"
        )
    if chosen not in _KINDS:
        raise UsageProblem(f"--kind {chosen!r} is not one of {', '.join(_KINDS)}")
    if not 0.0 < false_alarm_rate < 0.1:
        raise UsageProblem(
            f"--false-alarm-rate {false_alarm_rate} is per observation: use a value in "
            "(0, 0.1), e.g. 1e-5 for one false alarm per 100,000 observations"
        )
    if not stream.is_file():
        raise CliError(f"no stream file at {stream}: pass the path of a CSV stream")
    result = replay_file(
        stream,
        Kind(chosen),
        reference=reference,
        false_alarm_rate=false_alarm_rate,
        allow_negative=allow_negative,
    )
    sys.stdout.write("".join(f"{index}\n" for index in result.alarms))
    sys.stdout.flush()
    _report(result, reference)


def _report(result: Replay, reference: int) -> None:
    err = sys.stderr
    if result.bad.total:
        err.write(f"blastwall detect replay: {result.bad.summary()}\n")
    detector = result.detector
    if not detector.fitted:
        err.write(
            f"blastwall detect replay: only {result.observations} valid observations, fewer "
            f"than --reference {reference}: nothing was monitored\n"
        )
        return
    err.write(
        f"blastwall detect replay: {detector!r} baseline={detector.baseline} "
        f"threshold={detector.threshold:.2f} nats; monitored {result.monitored} "
        f"observations, {len(result.alarms)} alarm(s)\n"
    )
