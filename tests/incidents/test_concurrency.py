"""Racing responders: one incident moves once, whoever clicks first (both databases)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from blastwall.access.enums import Role
from blastwall.access.schemas import Actor
from blastwall.db.session import unit_of_work
from blastwall.exceptions import InvalidTransition
from blastwall.incidents import service
from tests.incidents.factories import RESPONDER, incident_data

THREADS = 4


def test_parallel_transitions_move_the_incident_once(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        incident_id = service.open(session, incident_data(harm="severe"), RESPONDER).id
    start = threading.Barrier(THREADS)

    def worker(_: int) -> str:
        start.wait()
        try:
            with unit_of_work(session_factory) as session:
                service.transition(session, incident_id, "contained", RESPONDER)
        except InvalidTransition as refused:
            return refused.detail
        return "moved"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = sorted(pool.map(worker, range(THREADS)))

    already = f"incident {incident_id} is already contained; allowed next: mitigated, resolved"
    assert outcomes == [already] * (THREADS - 1) + ["moved"]
    with session_factory() as session:
        kinds = [e.kind for e in service.get(session, incident_id).timeline]
        assert kinds == ["opened", "status"]


def test_parallel_acknowledgements_make_exactly_one_commander(
    session_factory: sessionmaker[Session],
) -> None:
    with unit_of_work(session_factory) as session:
        incident_id = service.open(session, incident_data(harm="severe"), RESPONDER).id
    start = threading.Barrier(THREADS)
    people = [Actor(name=f"r{n}", role=Role.responder) for n in range(THREADS)]

    def worker(n: int) -> None:
        start.wait()
        with unit_of_work(session_factory) as session:
            service.acknowledge(session, incident_id, people[n])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))

    with session_factory() as session:
        incident = service.get(session, incident_id)
        roles = [e.message for e in incident.timeline if e.kind == "role"]
        first = incident.timeline[1].actor  # whoever acknowledged first commands
        assert (incident.commander, incident.responders) == (first, [])
        assert roles == [f"{first} is now commander: acknowledged the incident"]
