"""Severity matrix versions on both databases: stored, audited, recorded by incidents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from blastwall.changes.models import AuditEntry
from blastwall.exceptions import Forbidden, InvalidInput
from blastwall.incidents import matrix, service
from blastwall.incidents.models import SeverityMatrixVersion
from blastwall.incidents.schemas import IncidentUpdate
from tests.incidents.factories import ADMIN, RESPONDER, incident_data


def stricter() -> dict[str, Any]:
    """The default matrix with minor/reversible raised from 3 to 2."""
    body = matrix.DEFAULT.body()
    body["cells"]["minor"]["reversible"] = {"severity": 2, "escalation": "page payments on-call"}
    return body


def test_set_matrix_stores_a_version_that_new_incidents_use(session: Session) -> None:
    before = service.open(session, incident_data(harm="minor"), RESPONDER)
    assert matrix.current_matrix(session).version == 0

    version = matrix.set_matrix(session, stricter(), ADMIN)
    after = service.open(session, incident_data(harm="minor"), RESPONDER)

    assert version == 1
    assert (before.severity, before.matrix_version) == (3, 0)
    assert (after.severity, after.matrix_version) == (2, 1)
    assert service.cell_of(session, before).escalation == (
        "ticket to the owning team within one business day"
    )
    assert service.cell_of(session, after).escalation == "page payments on-call"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "severity_matrix.set"))
    audited = entry.one()
    assert (audited.actor, audited.target) == ("ada", "severity_matrix:1")
    assert audited.before == {
        "version": 0,
        "cells": {"minor/reversible": asdict(matrix.DEFAULT_DUTIES[3])},
    }


def test_unchanged_body_keeps_the_version(session: Session) -> None:
    assert matrix.set_matrix(session, matrix.DEFAULT.body(), ADMIN) == 0
    assert matrix.set_matrix(session, stricter(), ADMIN) == 1
    assert matrix.set_matrix(session, stricter(), ADMIN) == 1
    assert matrix.set_matrix(session, matrix.DEFAULT.body(), ADMIN) == 2
    assert session.scalar(select(func.count()).select_from(SeverityMatrixVersion)) == 2
    assert matrix.matrix_at(session, 1).cells == matrix.validate(stricter())


def test_update_reclassifies_with_the_current_matrix(session: Session) -> None:
    incident = service.open(session, incident_data(harm="minor"), RESPONDER)
    matrix.set_matrix(session, stricter(), ADMIN)
    service.update(session, incident.id, IncidentUpdate(harm="moderate"), RESPONDER)
    assert (incident.severity, incident.matrix_version) == (2, 1)
    assert incident.timeline[-1].message == (
        "harm: minor -> moderate; severity: 3 -> 2; matrix_version: 0 -> 1"
    )


def test_only_admins_set_the_matrix_and_bad_bodies_store_nothing(session: Session) -> None:
    with pytest.raises(Forbidden, match="rita has role responder; this needs admin"):
        matrix.set_matrix(session, stricter(), RESPONDER)
    broken = stricter()
    broken["cells"]["severe"]["reversible"] = 3
    with pytest.raises(InvalidInput, match=r"cells\.severe\.reversible has severity 3 but"):
        matrix.set_matrix(session, broken, ADMIN)
    assert session.scalar(select(func.count()).select_from(SeverityMatrixVersion)) == 0
