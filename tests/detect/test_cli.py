"""`blastwall detect replay`: the benchmark adapter contract on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from blastwall.cli.main import app
from tests.detect.factories import RATE, REFERENCE, rate_stream


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    base: dict[str, str | None] = {"BENCH_KIND": None, "COLUMNS": "200", "NO_COLOR": "1"}
    return CliRunner().invoke(app, ["detect", "replay", *args], env=base | (env or {}))


@pytest.fixture
def stream_file(tmp_path: Path) -> Path:
    path = tmp_path / "seed00.csv"
    rows = [f"{i},{v}\n" for i, v in enumerate(rate_stream(seed=5))]
    rows[17] = "17,oops\n"
    path.write_text("index,value\n" + "".join(rows))
    return path


def _alarms(result: Result) -> list[int]:
    return [int(line) for line in result.stdout.split()]


def test_prints_one_alarm_index_per_line_and_reports_on_stderr(stream_file: Path) -> None:
    result = run(
        "--kind",
        "binary",
        "--reference",
        str(REFERENCE),
        "--false-alarm-rate",
        str(RATE),
        str(stream_file),
    )
    assert result.exit_code == 0, result.stderr
    alarms = _alarms(result)
    assert alarms
    assert 1500 <= alarms[0] < 1800
    assert "skipped 1 bad row(s) (1 value not a number); first: line 19" in result.stderr
    assert "RateShift(reference=500, false_alarm_rate=0.0001)" in result.stderr


def test_kind_comes_from_bench_kind_when_not_given(stream_file: Path) -> None:
    args = ("--reference", str(REFERENCE), "--false-alarm-rate", str(RATE), str(stream_file))
    by_flag = run("--kind", "binary", *args)
    by_env = run(*args, env={"BENCH_KIND": "binary"})
    assert by_env.exit_code == 0
    assert _alarms(by_env) == _alarms(by_flag)


def test_without_a_kind_it_says_how_to_give_one(stream_file: Path) -> None:
    result = run(str(stream_file))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: missing --kind: say what the values are: --kind categorical|binary|continuous "
        "(category ids 0..255, 0/1, or numbers)\n"
    )


def test_help_names_kind_as_required_and_no_internal_variable() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "BENCH_KIND" not in result.stdout
    assert "Required: what the values are" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "numeric"], "--kind 'numeric' is not one of categorical, binary, continuous"),
        (["--kind", "binary", "--false-alarm-rate", "2"], "--false-alarm-rate 2.0 is per obs"),
        (["--kind", "binary", "--reference", "3"], "--reference"),
    ],
)
def test_bad_options_are_refused_clearly(stream_file: Path, args: list[str], message: str) -> None:
    result = run(*args, str(stream_file))
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    result = run("--kind", "binary", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert f"no stream file at {tmp_path / 'nope.csv'}" in result.stderr


def test_a_short_stream_prints_nothing_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("index,value\n0,1\n1,0\n")
    result = run("--kind", "binary", str(path))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "only 2 valid observations, fewer than --reference 10000" in result.stderr
