"""Config errors that point at the file, line and key path of every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from blastwall.exceptions import InvalidInput

Loc = tuple[str | int, ...]
"""A key path into the document: mapping keys are strings, list positions are ints."""

ROOT = "<document>"


def format_path(loc: Sequence[str | int]) -> str:
    """``("systems", 0, "risk_tier")`` -> ``systems[0].risk_tier``.

    >>> format_path(("systems", 0, "actions", 2, "name"))
    'systems[0].actions[2].name'
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or ROOT


@dataclass(frozen=True)
class ConfigIssue:
    """One problem: where it is (file, line, key path) and what to do about it."""

    file: str | None
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        return f"{where}: {self.path}: {self.message}" if where else f"{self.path}: {self.message}"

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


class ConfigError(InvalidInput):
    """The document is invalid; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.path))
        count = len(self.issues)
        heading = (
            "the configuration has 1 problem"
            if count == 1
            else (f"the configuration has {count} problems")
        )
        super().__init__(
            f"{heading}: " + "; ".join(str(i) for i in self.issues),
            errors=[i.as_dict() for i in self.issues],
        )

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)


@dataclass(frozen=True)
class Source:
    """Where a document came from and the line of every key path in it (1-based)."""

    file: str | None = None
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``loc``, or of its nearest ancestor present (a missing key's parent)."""
        path = tuple(loc)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def issue(self, loc: Sequence[str | int], message: str) -> ConfigIssue:
        return ConfigIssue(self.file, self.line_of(loc), format_path(loc), message)
