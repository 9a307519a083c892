"""The severity matrix (T2): harm x reversibility -> severity and its default duties.

The matrix is configuration: validated as a whole, versioned in ``severity_matrix_versions``,
and every incident records the version it was classified with. Version 0 is the built-in
default below, never stored; stored versions count up from 1.

>>> severity_for(DEFAULT, "moderate", "irreversible").severity
1
>>> severity_for(DEFAULT, "major", "reversible").severity
2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.access.service import require_role
from blastwall.changes import Change, record
from blastwall.db.counters import next_value
from blastwall.exceptions import InvalidInput, NotFound
from blastwall.incidents.enums import Harm, Reversibility
from blastwall.incidents.models import SeverityMatrixVersion

BUILTIN_VERSION = 0
BUILTIN_AUTHOR = "blastwall (built-in default)"
VERSION_COUNTER = "severity_matrix_version"
SEVERITIES = (1, 2, 3)
DUTIES = ("containment", "escalation", "communication")

Key = tuple[Harm, Reversibility]
# What GET /severity-matrix shows besides the cells; accepted so its output can be applied.
READ_ONLY = ("version", "created_by", "created_at", "harm_levels", "reversibility")


@dataclass(frozen=True)
class Cell:
    """One cell: the severity and what responders do by default at that severity."""

    severity: int
    containment: str
    escalation: str
    communication: str


# What each severity asks of responders unless a matrix cell says otherwise.
DEFAULT_DUTIES: dict[int, Cell] = {
    1: Cell(
        1,
        containment="kill or human_fallback now; diagnose after",
        escalation="page the incident commander immediately",
        communication=(
            "internal update every 30 min; notify affected users if harmful output reached them"
        ),
    ),
    2: Cell(
        2,
        containment="safe_mode or reroute; diagnose",
        escalation="page the on-call responder; bring in a commander if not contained in 30 min",
        communication="internal update every 60 min",
    ),
    3: Cell(
        3,
        containment="investigate; escalate or close",
        escalation="ticket to the owning team within one business day",
        communication="none required",
    ),
}

# A moderately wrong output firing an irreversible action outranks a badly wrong one
# firing a reversible action (SPEC T2): moderate/irreversible is 1, major/reversible is 2.
DEFAULT_SEVERITIES: dict[Harm, dict[Reversibility, int]] = {
    Harm.none: {Reversibility.reversible: 3, Reversibility.irreversible: 3},
    Harm.minor: {Reversibility.reversible: 3, Reversibility.irreversible: 2},
    Harm.moderate: {Reversibility.reversible: 2, Reversibility.irreversible: 1},
    Harm.major: {Reversibility.reversible: 2, Reversibility.irreversible: 1},
    Harm.severe: {Reversibility.reversible: 1, Reversibility.irreversible: 1},
}


@dataclass(frozen=True)
class Matrix:
    """One version of the matrix; ``cells`` has every (harm, reversibility) pair."""

    version: int
    cells: Mapping[Key, Cell]
    created_by: str = BUILTIN_AUTHOR
    created_at: datetime | None = None

    def body(self) -> dict[str, Any]:
        """The canonical configuration body: what ``set_matrix`` accepts and stores."""
        return body_of(self.cells)


def body_of(cells: Mapping[Key, Cell]) -> dict[str, Any]:
    return {
        "cells": {
            harm.value: {rev.value: asdict(cells[harm, rev]) for rev in Reversibility}
            for harm in Harm
        }
    }


DEFAULT = Matrix(
    version=BUILTIN_VERSION,
    cells={
        (harm, rev): DEFAULT_DUTIES[severity]
        for harm, row in DEFAULT_SEVERITIES.items()
        for rev, severity in row.items()
    },
)


def severity_for(matrix: Matrix, harm: Harm | str, reversibility: Reversibility | str) -> Cell:
    """The cell for an incident's harm and reversibility."""
    return matrix.cells[Harm(harm), Reversibility(reversibility)]


def _choices(values: Any) -> str:
    return ", ".join(v.value for v in values)


def _parse_cell(path: str, raw: Any, errors: list[tuple[str, str]]) -> Cell | None:
    # A bare integer is shorthand for a cell that takes its severity's default duties.
    spec: Mapping[str, Any] = {"severity": raw} if isinstance(raw, int) else raw
    if not isinstance(spec, Mapping):
        errors.append((path, "must be a severity (1-3) or a mapping with 'severity'"))
        return None
    problems = len(errors)
    errors.extend(
        (f"{path}.{field}", f"is not a cell field; use severity, {', '.join(DUTIES)}")
        for field in sorted(map(str, spec))
        if field not in ("severity", *DUTIES)
    )
    raw_severity = spec.get("severity")
    # Not isinstance: True and 1.0 compare equal to 1 but are not severities.
    severity = raw_severity if type(raw_severity) is int and raw_severity in SEVERITIES else None
    if severity is None:
        what = "is missing" if raw_severity is None else f"is {raw_severity!r}"
        errors.append((f"{path}.severity", f"{what}; use 1 (most severe), 2 or 3"))
    for duty in DUTIES:
        text = spec.get(duty)
        if text is not None and (not isinstance(text, str) or not text.strip()):
            errors.append((f"{path}.{duty}", "must be non-empty text, or left out for the default"))
    if severity is None or len(errors) > problems:
        return None
    default = DEFAULT_DUTIES[severity]
    duties = {d: (spec.get(d) or getattr(default, d)).strip() for d in DUTIES}
    return Cell(severity=severity, **duties)


def _parse_cells(body: Any, errors: list[tuple[str, str]]) -> dict[Key, Cell]:
    if not isinstance(body, Mapping) or not isinstance(body.get("cells"), Mapping):
        errors.append(
            ("cells", "is missing: give a mapping of harm level -> {reversible, irreversible}")
        )
        return {}
    errors.extend(
        (str(key), "is not a matrix field; give 'cells' (harm levels are fixed)")
        for key in sorted(map(str, body))
        if key not in ("cells", *READ_ONLY)
    )
    for key, expected in (("harm_levels", list(Harm)), ("reversibility", list(Reversibility))):
        if key in body and body[key] != [v.value for v in expected]:
            errors.append((key, f"are fixed as {_choices(expected)}; leave {key} out"))
    rows: Mapping[Any, Any] = body["cells"]
    errors.extend(
        (f"cells.{key}", f"is not a harm level; use {_choices(Harm)}")
        for key in sorted(map(str, rows))
        if key not in Harm.__members__
    )
    cells: dict[Key, Cell] = {}
    for harm in Harm:
        row = rows.get(harm.value)
        if not isinstance(row, Mapping):
            what = "is missing" if row is None else "must be a mapping"
            errors.append((f"cells.{harm}", f"{what}: give its reversible and irreversible cells"))
            continue
        errors.extend(
            (f"cells.{harm}.{key}", f"is not a reversibility; use {_choices(Reversibility)}")
            for key in sorted(map(str, row))
            if key not in Reversibility.__members__
        )
        for rev in Reversibility:
            path = f"cells.{harm}.{rev}"
            if rev.value not in row:
                errors.append((path, "is missing: every harm level needs both cells"))
                continue
            cell = _parse_cell(path, row[rev.value], errors)
            if cell is not None:
                cells[harm, rev] = cell
    return cells


def _monotonic(cells: Mapping[Key, Cell], errors: list[tuple[str, str]]) -> None:
    levels = list(Harm)
    for rev in Reversibility:
        for lower, higher in pairwise(levels):
            low, high = cells[lower, rev].severity, cells[higher, rev].severity
            if high > low:
                errors.append(
                    (
                        f"cells.{higher}.{rev}",
                        f"has severity {high} but the less harmful cells.{lower}.{rev} has "
                        f"{low}: more harm must never lower severity (1 is most severe)",
                    )
                )
    for harm in levels:
        rev_sev = cells[harm, Reversibility.reversible].severity
        irr_sev = cells[harm, Reversibility.irreversible].severity
        if irr_sev > rev_sev:
            errors.append(
                (
                    f"cells.{harm}.irreversible",
                    f"has severity {irr_sev} but cells.{harm}.reversible has {rev_sev}: "
                    "irreversible must never be less severe than reversible",
                )
            )


def validate(body: Any) -> dict[Key, Cell]:
    """Parse a matrix body, or raise InvalidInput naming every bad cell and how to fix it."""
    errors: list[tuple[str, str]] = []
    cells = _parse_cells(body, errors)
    if not errors:
        _monotonic(cells, errors)
    if errors:
        detail = "; ".join(f"{field} {message}" for field, message in errors)
        raise InvalidInput(
            f"severity matrix is invalid: {detail}",
            errors=[{"field": f, "message": m} for f, m in errors],
        )
    return cells


def _from_row(row: SeverityMatrixVersion) -> Matrix:
    return Matrix(
        version=row.version,
        cells=validate(row.body),
        created_by=row.created_by,
        created_at=row.created_at,
    )


def current_matrix(session: Session) -> Matrix:
    """The newest stored version, or the built-in default (version 0) if none is stored."""
    row = session.scalar(
        select(SeverityMatrixVersion).order_by(SeverityMatrixVersion.version.desc()).limit(1)
    )
    return DEFAULT if row is None else _from_row(row)


def matrix_at(session: Session, version: int) -> Matrix:
    """A specific version, e.g. the one an incident was classified with."""
    if version == BUILTIN_VERSION:
        return DEFAULT
    row = session.get(SeverityMatrixVersion, version)
    if row is None:
        raise NotFound(
            f"severity matrix version {version} does not exist; "
            "`blastwall incident show ID` names the version an incident was scored with"
        )
    return _from_row(row)


def set_matrix(session: Session, body: Any, actor: Actor) -> int:
    """Validate and store a new version (admin only); an unchanged body keeps the version."""
    require_role(actor, Role.admin)
    cells = validate(body)
    current = current_matrix(session)
    if cells == dict(current.cells):
        return current.version
    version = next_value(session, VERSION_COUNTER)
    session.add(SeverityMatrixVersion(version=version, body=body_of(cells), created_by=actor.name))
    changed = [key for key in cells if cells[key] != current.cells[key]]
    record(
        session,
        Change(
            actor=actor,
            action="severity_matrix.set",
            target=f"severity_matrix:{version}",
            before={
                "version": current.version,
                "cells": {f"{h}/{r}": asdict(current.cells[h, r]) for h, r in changed},
            },
            after={
                "version": version,
                "cells": {f"{h}/{r}": asdict(cells[h, r]) for h, r in changed},
            },
        ),
    )
    session.flush()
    return version
