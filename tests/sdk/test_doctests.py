"""The examples in the SDK's docstrings run and say what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "blastwall.sdk.guard",
    "blastwall.sdk.filters.pii",
    "blastwall.sdk.filters.secrets",
    "blastwall.sdk.filters.injection",
    "blastwall.sdk.filters.custom",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
