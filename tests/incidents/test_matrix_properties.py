"""Severity matrix (T2) as pure functions: validation, monotonicity, the built-in default."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blastwall.exceptions import InvalidInput
from blastwall.incidents import matrix
from blastwall.incidents.enums import Harm, Reversibility
from blastwall.incidents.matrix import DEFAULT, Matrix, severity_for, validate
from blastwall.incidents.schemas import MatrixRead

HARMS = list(Harm)
REVS = list(Reversibility)  # reversible before irreversible: "less" before "more" dangerous
KEYS = [(h, r) for h in HARMS for r in REVS]

Severities = dict[tuple[Harm, Reversibility], int]


def body(severities: Severities) -> dict[str, Any]:
    """A matrix body in the shorthand form: each cell is just its severity."""
    return {"cells": {h.value: {r.value: severities[h, r] for r in REVS} for h in HARMS}}


def is_monotone(severities: Severities) -> bool:
    """Brute-force oracle: a worse (harm, reversibility) never has a higher severity number."""
    return all(
        severities[h2, r2] <= severities[h1, r1]
        for (h1, r1), (h2, r2) in itertools.product(KEYS, KEYS)
        if h1.rank <= h2.rank and REVS.index(r1) <= REVS.index(r2)
    )


any_severities = st.fixed_dictionaries({key: st.integers(1, 3) for key in KEYS})


@st.composite
def monotone_severities(draw: st.DrawFn) -> Severities:
    """Reversible column non-increasing in harm; irreversible at most reversible and its above."""
    reversible = sorted(draw(st.lists(st.integers(1, 3), min_size=5, max_size=5)), reverse=True)
    out: Severities = {}
    ceiling = 3
    for harm, rev_sev in zip(HARMS, reversible, strict=True):
        ceiling = draw(st.integers(1, min(rev_sev, ceiling)))
        out[harm, Reversibility.reversible] = rev_sev
        out[harm, Reversibility.irreversible] = ceiling
    return out


@settings(max_examples=150)
@given(any_severities)
def test_matrix_is_accepted_exactly_when_monotone(severities: Severities) -> None:
    if is_monotone(severities):
        cells = validate(body(severities))
        assert {key: cell.severity for key, cell in cells.items()} == severities
    else:
        with pytest.raises(InvalidInput, match="severity matrix is invalid: cells\\."):
            validate(body(severities))


@settings(max_examples=100)
@given(monotone_severities())
def test_valid_matrix_gives_monotone_severity(severities: Severities) -> None:
    m = Matrix(version=7, cells=validate(body(severities)))
    for (h1, r1), (h2, r2) in itertools.product(KEYS, KEYS):
        if h1.rank <= h2.rank and REVS.index(r1) <= REVS.index(r2):
            assert severity_for(m, h2, r2).severity <= severity_for(m, h1, r1).severity
    # Shorthand cells take the default duties of their severity.
    for key in KEYS:
        assert m.cells[key] == matrix.DEFAULT_DUTIES[severities[key]]


# One early return per way of breaking a matrix: it reads as a table of cases.
def _break(  # noqa: PLR0911
    body_: dict[str, Any], severities: Severities, how: str, harm_i: int, rev: str
) -> str:
    """Break a valid body in one way; return the text the error must contain."""
    cells = body_["cells"]
    harm = HARMS[harm_i].value
    if how == "missing_cell":
        del cells[harm][rev]
        return f"cells.{harm}.{rev} is missing"
    if how == "missing_row":
        del cells[harm]
        return f"cells.{harm} is missing"
    if how == "out_of_range":
        cells[harm][rev] = {"severity": 4}
        return f"cells.{harm}.{rev}.severity is 4; use 1 (most severe), 2 or 3"
    if how == "not_an_integer":
        cells[harm][rev] = {"severity": "1"}
        return f"cells.{harm}.{rev}.severity is '1'"
    if how == "unknown_field":
        cells[harm][rev] = {"severity": severities[HARMS[harm_i], Reversibility(rev)], "sev": 1}
        return f"cells.{harm}.{rev}.sev is not a cell field"
    if how == "unknown_harm":
        cells["catastrophic"] = cells[harm]
        return "cells.catastrophic is not a harm level; use none, minor, moderate, major, severe"
    if how == "empty_duty":
        cells[harm][rev] = {"severity": 3, "containment": "  "}
        return f"cells.{harm}.{rev}.containment must be non-empty text"
    if how == "more_harm_less_severe":
        lower, higher = HARMS[min(harm_i, 3)].value, HARMS[min(harm_i, 3) + 1].value
        cells[lower][rev], cells[higher][rev] = 1, 2
        return f"cells.{higher}.{rev} has severity 2 but the less harmful cells.{lower}.{rev} has 1"
    assert how == "irreversible_less_severe"
    cells[harm]["reversible"], cells[harm]["irreversible"] = 1, 2
    return f"cells.{harm}.irreversible has severity 2 but cells.{harm}.reversible has 1"


BREAKS = [
    "missing_cell",
    "missing_row",
    "out_of_range",
    "not_an_integer",
    "unknown_field",
    "unknown_harm",
    "empty_duty",
    "more_harm_less_severe",
    "irreversible_less_severe",
]


@settings(max_examples=150)
@given(
    monotone_severities(),
    st.sampled_from(BREAKS),
    st.integers(0, len(HARMS) - 1),
    st.sampled_from([r.value for r in REVS]),
)
def test_broken_matrix_is_rejected_naming_the_cell(
    severities: Severities, how: str, harm_i: int, rev: str
) -> None:
    broken = body(severities)
    expected = _break(broken, severities, how, harm_i, rev)
    with pytest.raises(InvalidInput) as caught:
        validate(broken)
    assert expected in caught.value.detail
    assert caught.value.extra["errors"]


def test_default_matrix_follows_spec_t2() -> None:
    grid = {h.value: [severity_for(DEFAULT, h, r).severity for r in REVS] for h in HARMS}
    assert grid == {
        "none": [3, 3],
        "minor": [3, 2],
        "moderate": [2, 1],
        "major": [2, 1],
        "severe": [1, 1],
    }
    # A moderately wrong output firing an irreversible payment outranks a badly wrong one
    # firing a reversible action.
    assert severity_for(DEFAULT, "moderate", "irreversible").severity == 1
    assert severity_for(DEFAULT, "major", "reversible").severity == 2
    assert DEFAULT.version == 0
    assert validate(DEFAULT.body()) == dict(DEFAULT.cells)


def test_default_cells_name_containment_escalation_and_communication() -> None:
    sev1 = severity_for(DEFAULT, "severe", "reversible")
    assert sev1.containment == "kill or human_fallback now; diagnose after"
    assert sev1.escalation == "page the incident commander immediately"
    assert sev1.communication.startswith("internal update every 30 min")
    assert severity_for(DEFAULT, "major", "reversible").containment == (
        "safe_mode or reroute; diagnose"
    )
    assert severity_for(DEFAULT, "none", "irreversible").communication == "none required"


def test_cell_may_override_default_duties() -> None:
    custom = body(
        {key: cell.severity for key, cell in DEFAULT.cells.items()},
    )
    custom["cells"]["severe"]["irreversible"] = {
        "severity": 1,
        "containment": "kill every environment",
    }
    cell = validate(custom)[Harm.severe, Reversibility.irreversible]
    assert cell.containment == "kill every environment"
    assert cell.escalation == "page the incident commander immediately"


def test_body_without_cells_or_with_extra_keys_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="cells is missing: give a mapping of harm level"):
        validate({"rows": {}})
    with pytest.raises(InvalidInput, match="cells is missing"):
        validate(["not", "a", "mapping"])
    extra = DEFAULT.body() | {"rows": 3, "harm_levels": ["none", "catastrophic"]}
    with pytest.raises(InvalidInput) as refused:
        validate(extra)
    assert refused.value.detail == (
        "severity matrix is invalid: rows is not a matrix field; give 'cells' (harm levels are "
        "fixed); harm_levels are fixed as none, minor, moderate, major, severe; leave "
        "harm_levels out"
    )
    bool_cell = DEFAULT.body()
    bool_cell["cells"]["none"]["reversible"] = True
    with pytest.raises(InvalidInput, match=r"cells\.none\.reversible\.severity is True"):
        validate(bool_cell)


def test_what_get_shows_can_be_applied_as_is() -> None:
    shown = MatrixRead.of(DEFAULT).model_dump(mode="json")
    assert validate(shown) == dict(DEFAULT.cells)
