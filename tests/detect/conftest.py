"""Every detector test gets an isolated calibration cache folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Calibrations go to a fresh folder; the in-process memo is kept (it is keyed exactly)."""
    monkeypatch.setenv("BLASTWALL_CACHE_DIR", str(tmp_path / "cache"))
    return
