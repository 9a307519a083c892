"""CONTRIBUTING.md names only files that exist, so its checklists can be followed as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Paths in the checklists are relative to the repository or, for the package, to src/blastwall.
BASES = (ROOT, ROOT / "src" / "blastwall")
# A path with at least one folder, ending in .py; placeholders such as <domain>/models.py
# are not paths (the lookbehind stops a match from starting inside one).
PATH = re.compile(r"(?<![\w<>/.-])([\w.-]+(?:/[\w.-]+)+\.py)\b")
# A bare file name counts when it is quoted as code: `wiring.py`.
BARE = re.compile(r"`([\w-]+\.py)`")


def named_paths(text: str) -> list[str]:
    """Every ``folder/file.py`` path (and quoted ``file.py``) the text names, once each."""
    return list(dict.fromkeys(PATH.findall(text) + BARE.findall(text)))


def missing(text: str) -> list[str]:
    return [p for p in named_paths(text) if not any((base / p).is_file() for base in BASES)]


def test_every_file_contributing_names_exists() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert len(named_paths(text)) >= 20  # the checklists name real files, not only folders
    assert missing(text) == []


def test_a_stale_path_is_reported_and_placeholders_are_not_paths() -> None:
    text = "Edit `levers/service.py`, `integrations/base.py`, `<domain>/models.py`, `glue.py`."
    assert named_paths(text) == ["levers/service.py", "integrations/base.py", "glue.py"]
    assert missing(text) == ["integrations/base.py", "glue.py"]
