"""Charts say what they show in words: band, threshold and marks carry text labels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from blastwall.console import charts

T0 = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)


def _chart() -> charts.Chart:
    return charts.Chart(
        "share of 'fraud'",
        "share",
        [(T0 + timedelta(seconds=10 * i), v) for i, v in enumerate([0.02, 0.02, 0.09, 0.09])],
        band=(0.01, 0.03),
        band_label="baseline 2.0% ± 3 standard errors",
        threshold=0.05,
        marks=[
            charts.Mark(T0 + timedelta(seconds=15), "change (estimated)", "◆"),
            charts.Mark(T0 + timedelta(seconds=30), "alarm #1", "▲"),
        ],
    )


def test_a_chart_labels_its_band_threshold_and_marks_in_text() -> None:
    svg = str(charts.render(_chart()))
    assert svg.startswith('<svg class="chart" viewBox="0 0 720 240" role="img"')
    for label in (
        "baseline 2.0% ± 3 standard errors",
        "threshold",
        "◆ change (estimated)",
        "▲ alarm #1",
        "14:00:00 UTC",
        "14:00:30 UTC",
    ):
        assert f">{label}</text>" in svg
    assert charts.describe(_chart()) == (
        "share: 4 points; baseline 2.0% ± 3 standard errors 0.01 to 0.03; threshold at 0.05; "
        "change (estimated) at 14:00:15 UTC; alarm #1 at 14:00:30 UTC."
    )


def test_an_empty_chart_says_so_and_times_read_as_people_say_them() -> None:
    assert str(charts.render(charts.Chart("x", "y", []))) == (
        '<p class="empty">No observations to chart yet.</p>'
    )
    assert charts.when(T0) == "2026-12-06 14:00:00 UTC"
    assert charts.ago(T0, now=T0 + timedelta(seconds=125)) == "2 min ago"
    assert charts.ago(T0, now=T0 + timedelta(seconds=5)) == "5 s ago"
