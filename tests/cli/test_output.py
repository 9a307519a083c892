"""How values read in tables and records."""

from __future__ import annotations

import pytest

from blastwall.cli import output


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, None),
        (0.4, "0s"),
        (59.6, "1m 0s"),
        (61, "1m 1s"),
        (3600, "1h 0m 0s"),
        (7322, "2h 2m 2s"),
    ],
)
def test_duration(seconds: float | None, text: str | None) -> None:
    assert output.duration(seconds) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("2025-06-01T09:30:05.123456Z", "2025-06-01 09:30:05"),
        ("2025-06-01T11:30:05+02:00", "2025-06-01 09:30:05"),
        ("not a time", "not a time"),
    ],
)
def test_when_is_utc_to_the_second(value: str | None, text: str | None) -> None:
    assert output.when(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "-"), ([], "-"), (True, "yes"), (False, "no"), (["a", "b"], "a, b"), (0, "0")],
)
def test_cell(value: object, text: str) -> None:
    assert output.cell(value) == text


def test_fields_align_labels(capsys: pytest.CaptureFixture[str]) -> None:
    output.fields([("status", "contained"), ("commander", None)])
    assert capsys.readouterr().out == "status:    contained\ncommander: -\n"


def test_markup_in_data_is_printed_as_is(capsys: pytest.CaptureFixture[str]) -> None:
    output.line("reason: [bold]urgent[/bold]")
    assert capsys.readouterr().out == "reason: [bold]urgent[/bold]\n"
