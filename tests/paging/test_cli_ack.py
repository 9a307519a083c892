"""`blastwall incident ack ID` against a live server stops the incident's escalation."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from blastwall.incidents import service as incidents
from blastwall.incidents.enums import Harm
from blastwall.incidents.schemas import IncidentCreate
from tests.cli.conftest import Invoke
from tests.notify.support import RESPONDER
from tests.paging.factories import SUPPORT, after, configure, escalation, pages, tick_at


def test_cli_ack_stops_escalation(session_factory: sessionmaker[Session], cli: Invoke) -> None:
    configure(session_factory)
    with session_factory() as session, session.begin():
        body = IncidentCreate(title="Refunds issued", system=SUPPORT, harm=Harm.major)
        incident_id = incidents.open(session, body, RESPONDER).id
    first = escalation(session_factory, incident_id)
    result = cli("incident", "ack", str(incident_id), "--note", "on it")
    assert result.exit_code == 0, result.output
    assert f"Acknowledged incident #{incident_id}" in result.stdout
    row = escalation(session_factory, incident_id)
    assert (row.stopped_why, row.next_escalation_at) == ("acknowledged by root", None)
    tick_at(session_factory, after(first, 60))
    assert len(pages(session_factory, incident_id)) == 2  # ana's level-1 pages, nothing after
