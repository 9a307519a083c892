"""The Wilson score interval: exact values, edges, refusals."""

from __future__ import annotations

import pytest

from blastwall.review.wilson import wilson


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (90, 100, 0.825634, 0.944771),
        (380, 400, 0.924036, 0.967403),
        (0, 10, 0.0, 0.277533),
        (10, 10, 0.722467, 1.0),
        (1, 2, 0.094531, 0.905469),
    ],
)
def test_interval_has_the_textbook_bounds(successes: int, n: int, low: float, high: float) -> None:
    interval = wilson(successes, n)
    assert (round(interval.low, 6), round(interval.high, 6)) == (low, high)
    assert interval.estimate == successes / n


def test_no_verdicts_give_no_estimate_and_the_whole_range() -> None:
    interval = wilson(0, 0)
    assert (interval.estimate, interval.low, interval.high, interval.n) == (None, 0.0, 1.0, 0)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (0, -1)])
def test_impossible_counts_are_refused(successes: int, n: int) -> None:
    with pytest.raises(ValueError, match=f"need 0 <= successes <= n, got {successes} of {n}"):
        wilson(successes, n)
