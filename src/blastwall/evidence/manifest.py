"""An evidence bundle's manifest, and checking a directory against it (no database needed,
so `blastwall incident verify-export` runs anywhere the files are)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT = "blastwall-evidence/1"


@dataclass(frozen=True)
class Problem:
    """One file that does not match the manifest."""

    file: str
    reason: str


def verify(directory: Path) -> list[Problem]:
    """Each file of the manifest re-hashed and re-counted; no problems means intact."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except FileNotFoundError:
        return [Problem(MANIFEST, "missing: is this an evidence export directory?")]
    except (ValueError, KeyError, TypeError):
        return [Problem(MANIFEST, "not a manifest this version can read (JSON with 'files')")]
    problems = []
    for name, expected in sorted(files.items()):
        path = directory / name
        if "/" in name or name.startswith(".") or not path.is_file():
            problems.append(Problem(name, "missing"))
            continue
        actual = _digest(path)
        if actual["sha256"] != expected.get("sha256"):
            problems.append(
                Problem(name, f"SHA-256 {actual['sha256']} differs from the manifest's")
            )
        elif actual["lines"] != expected.get("lines"):
            problems.append(
                Problem(name, f"{actual['lines']} lines, the manifest says {expected.get('lines')}")
            )
    for path in sorted(directory.iterdir()):
        if path.name != MANIFEST and path.name not in files:
            problems.append(Problem(path.name, "not in the manifest"))
    return problems


def _digest(path: Path) -> dict[str, Any]:
    sha = hashlib.sha256()
    count = 0
    with path.open("rb") as source:
        for line in source:
            sha.update(line)
            count += 1
    return {"sha256": sha.hexdigest(), "lines": count}
