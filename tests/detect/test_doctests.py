"""Each detector's docstring example runs and alarms at the index it states."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from blastwall.detect.detectors import category_shift, level_spread_shift, rate_shift


@pytest.mark.parametrize("module", [category_shift, rate_shift, level_spread_shift])
def test_docstring_example_alarms_where_it_says(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5
    assert result.failed == 0
