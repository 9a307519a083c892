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


ROWS = [
    ["1", "2025-06-01 09:02:40", "dana", "lever.kill", "support-agent/prod"],
    ["2", "2025-06-01 09:14:02", "dana", "lever.change", "support-agent/* " + "x" * 60],
]
COLUMNS = ["SEQ", "AT", "ACTOR", "ACTION", "TARGET"]


def test_a_table_that_fits_stays_a_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    output.table(COLUMNS, ROWS, empty="none")
    printed = [row.rstrip() for row in capsys.readouterr().out.splitlines()]
    assert printed[0].split() == COLUMNS
    assert len(printed) == 4


def test_a_table_too_wide_for_the_terminal_becomes_records(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    output.table(COLUMNS, [*ROWS, ["3", None, "root", "restore", "-"]], empty="none")
    assert capsys.readouterr().out.splitlines() == [
        "seq: 1",
        "  at: 2025-06-01 09:02:40   actor: dana",
        "  action: lever.kill",
        "  target: support-agent/prod",
        "seq: 2",
        "  at: 2025-06-01 09:14:02   actor: dana",
        "  action: lever.change",
        "  target: support-agent/* xxxxxxxxxxxxx…",
        "seq: 3",
        "  actor: root   action: restore",
    ]


def test_pack_fills_lines_in_order() -> None:
    assert output.pack(["a: 1", "b: 22", "c: 333", "d: " + "4" * 20], 16) == [
        "a: 1   b: 22",
        "c: 333",
        "d: 44444444444444444444",
    ]
