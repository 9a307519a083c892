"""The tamper-evident audit log: edits, cuts and rewrites are named by sequence number."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from blastwall.changes import audit
from blastwall.changes.audit import GENESIS, Head
from blastwall.changes.audit_verify import Verification, parse_head, verify
from blastwall.changes.models import AuditEntry
from blastwall.db.pagination import PageQuery
from blastwall.db.session import make_session_factory, unit_of_work
from blastwall.exceptions import InvalidInput
from blastwall.levers import service
from tests.levers.factories import ADMIN, make_system

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def three_changes(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as session:
        make_system(session)
        service.kill(session, "support-bot", actor=ADMIN, reason="one")
        service.change(session, "support-bot", "*", {"safe_mode": True}, actor=ADMIN, reason="two")
        service.restore(session, "support-bot", actor=ADMIN, reason="three")


def check(factory: sessionmaker[Session], since_head: Head | None = None) -> Verification:
    with factory() as session:
        return verify(session, since_head=since_head)


def run_sql(factory: sessionmaker[Session], statement: str) -> None:
    with unit_of_work(factory) as session:
        session.execute(text(statement))


def current_head(factory: sessionmaker[Session]) -> Head:
    with factory() as session:
        return audit.head(session)[0]


def rewrite_everything(factory: sessionmaker[Session], key: bytes | None = None) -> None:
    """What a database writer can do: edit entry 2 and re-hash the whole chain after it."""
    with unit_of_work(factory) as session:
        previous = GENESIS
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            if entry.seq == 2:
                entry.reason = "routine"
            entry.prev_hash = previous
            entry.scheme = audit.scheme_for(key)
            entry.hash = audit.entry_hash(entry, key)
            previous = entry.hash


def test_intact_chain_verifies(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    assert check(session_factory) == Verification(ok=True, entries=3, counter=3)


def test_empty_log_verifies(session_factory: sessionmaker[Session]) -> None:
    assert check(session_factory) == Verification(ok=True, entries=0, counter=0)


def test_edited_entry_is_named(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    run_sql(session_factory, "UPDATE audit_entries SET reason = 'routine' WHERE seq = 2")
    assert check(session_factory) == Verification(
        False, 1, 2, "its content does not match its hash", counter=3
    )


def test_edit_with_a_recomputed_hash_breaks_the_next_link(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    with unit_of_work(session_factory) as session:
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        entry.reason = "routine"
        entry.hash = audit.entry_hash(entry)  # a careful forger re-hashes what they edited
    assert check(session_factory) == Verification(
        False, 2, 3, "its link to the previous entry does not match", counter=3
    )


def test_removed_middle_entry_is_named(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    run_sql(session_factory, "DELETE FROM audit_entries WHERE seq = 2")
    assert check(session_factory) == Verification(False, 1, 2, "entry 2 is missing", counter=3)


def test_removed_newest_entry_is_named_by_the_counter(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    run_sql(session_factory, "DELETE FROM audit_entries WHERE seq = 3")
    assert check(session_factory) == Verification(
        False, 2, 3, "entry 3 is missing (the counter is at 3; the newest entry is 2)", counter=3
    )


def test_removed_newest_entries_are_named_as_a_range(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    run_sql(session_factory, "DELETE FROM audit_entries WHERE seq >= 2")
    assert check(session_factory) == Verification(
        False,
        1,
        2,
        "entries 2-3 are missing (the counter is at 3; the newest entry is 1)",
        counter=3,
    )


def test_deleting_every_entry_is_not_an_intact_empty_log(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    run_sql(session_factory, "DELETE FROM audit_entries")
    assert check(session_factory) == Verification(
        False, 0, 1, "entries 1-3 are missing (the counter is at 3; no entry is left)", counter=3
    )


def test_rewound_counter_is_named(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    run_sql(session_factory, "UPDATE counters SET value = 2 WHERE name = 'audit_seq'")
    assert check(session_factory) == Verification(
        False,
        2,
        3,
        "entry 3 is beyond the sequence counter (2): the counter was rewound or the entry was "
        "inserted by hand",
        counter=2,
    )


def test_head_is_the_newest_entry_and_the_counter(session_factory: sessionmaker[Session]) -> None:
    assert current_head(session_factory) == Head(0, GENESIS)
    three_changes(session_factory)
    with session_factory() as session:
        newest = session.get(AuditEntry, 3)
        assert newest is not None
        assert audit.head(session) == (Head(3, newest.hash), 3)
        assert str(audit.head(session)[0]) == f"3:{newest.hash}"


def test_kept_head_confirms_nothing_up_to_it_changed(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    kept = current_head(session_factory)
    with unit_of_work(session_factory) as session:
        service.kill(session, "support-bot", actor=ADMIN, reason="four")
    assert check(session_factory, kept) == Verification(True, 4, counter=4, since_head=str(kept))
    empty = Head(0, GENESIS)
    assert check(session_factory, empty) == Verification(True, 4, counter=4, since_head=str(empty))


def test_kept_head_catches_a_rewrite_of_the_whole_chain(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    kept = current_head(session_factory)
    rewrite_everything(session_factory)
    assert check(session_factory) == Verification(True, 3, counter=3)  # the chain alone: fooled
    rewritten = current_head(session_factory).hash
    assert check(session_factory, kept) == Verification(
        False,
        3,
        3,
        f"entry 3 has hash {rewritten[:12]}..., but the kept head says {kept.hash[:12]}...: "
        "the log was rewritten up to entry 3",
        counter=3,
    )


def test_kept_head_beyond_the_log_or_deleted_is_named(
    session_factory: sessionmaker[Session],
) -> None:
    three_changes(session_factory)
    kept = current_head(session_factory)
    assert check(session_factory, Head(9, kept.hash)).problem == (
        "the kept head is entry 9, but this log's counter is at 3: the head is from another "
        "database, or the log and its counter were rewound"
    )
    run_sql(session_factory, "DELETE FROM audit_entries WHERE seq = 3")
    # The cut is found first, and it is the kept head that was cut.
    assert check(session_factory, kept) == Verification(
        False, 2, 3, "entry 3 is missing (the counter is at 3; the newest entry is 2)", counter=3
    )


@pytest.mark.parametrize(
    "value", ["", "3", "3:abc", "x:" + "a" * 64, "-1:" + "a" * 64, "3:" + "g" * 64]
)
def test_malformed_kept_head_says_what_a_head_looks_like(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_head(value)
    assert raised.value.detail == (
        "since_head must be SEQ:HASH as printed by `blastwall audit head`, e.g. "
        f"17:{'3f' * 32}: a sequence number, a colon and 64 hex digits (got {value!r})"
    )


def test_kept_head_is_read_in_either_case() -> None:
    assert parse_head(" 7:" + "AB" * 32 + "\n") == Head(7, "ab" * 32)


def test_keyed_entries_verify_with_the_key(engine: Engine) -> None:
    keyed = make_session_factory(engine, audit_key=KEY)
    three_changes(keyed)
    with keyed() as session:
        schemes = set(session.scalars(select(AuditEntry.scheme)))
    assert schemes == {f"hmac-sha256:{audit.key_id(KEY)}"}
    assert check(keyed) == Verification(True, 3, counter=3, keyed_from_seq=1)


def test_keyed_entries_with_a_wrong_or_missing_key_say_which_key(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    three_changes(make_session_factory(engine, audit_key=KEY))
    wrong = check(make_session_factory(engine, audit_key=OTHER_KEY))
    assert wrong == Verification(
        False,
        0,
        1,
        f"it was written with audit key id {audit.key_id(KEY)}, but BLASTWALL_AUDIT_HMAC_KEY "
        f"has key id {audit.key_id(OTHER_KEY)}: set the key the log was written with",
        counter=3,
    )
    assert check(session_factory).problem == (
        f"it is keyed (audit key id {audit.key_id(KEY)}) but BLASTWALL_AUDIT_HMAC_KEY is not set "
        "on the server: set it to the key the log was written with to verify"
    )


def test_a_rewrite_without_the_key_is_caught(engine: Engine) -> None:
    keyed = make_session_factory(engine, audit_key=KEY)
    three_changes(keyed)
    rewrite_everything(keyed, key=OTHER_KEY)  # the forger's own key, relabelled as ours
    with unit_of_work(keyed) as session:
        session.execute(
            text("UPDATE audit_entries SET scheme = :scheme"),
            {"scheme": audit.scheme_for(KEY)},
        )
    assert check(keyed) == Verification(
        False, 0, 1, "its content does not match its hash", counter=3
    )


def test_a_plain_entry_after_keyed_ones_is_refused(engine: Engine) -> None:
    keyed = make_session_factory(engine, audit_key=KEY)
    three_changes(keyed)
    with unit_of_work(keyed) as session:  # a forger downgrades entry 3 to a plain hash
        entry = session.get(AuditEntry, 3)
        assert entry is not None
        entry.reason = "routine"
        entry.scheme = audit.PLAIN
        entry.hash = audit.entry_hash(entry)
    assert check(keyed) == Verification(
        False,
        2,
        3,
        "it is not keyed, yet entries from 1 on are: it was written by a process without "
        "BLASTWALL_AUDIT_HMAC_KEY, or forged",
        counter=3,
        keyed_from_seq=1,
    )


def test_entries_from_before_the_key_still_verify(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    three_changes(session_factory)
    keyed = make_session_factory(engine, audit_key=KEY)
    with unit_of_work(keyed) as session:
        service.kill(session, "support-bot", actor=ADMIN, reason="four")
    assert check(keyed) == Verification(True, 4, counter=4, keyed_from_seq=4)


def test_list_pages_in_chain_order(session_factory: sessionmaker[Session]) -> None:
    three_changes(session_factory)
    with session_factory() as session:
        first = audit.list_(session, page=PageQuery(limit=2))
        assert [e.seq for e in first.items] == [1, 2]
        rest = audit.list_(session, page=PageQuery(limit=2, cursor=first.next_cursor))
        assert ([e.reason for e in rest.items], rest.next_cursor) == (["three"], None)
        assert [e.reason for e in audit.list_(session, after_seq=2).items] == ["three"]
        with pytest.raises(InvalidInput, match="limit: 0 is out of range; use 1 to 1000"):
            audit.list_(session, page=PageQuery(limit=0))
        with pytest.raises(InvalidInput, match="after_seq must be 0 or more"):
            audit.list_(session, after_seq=-1)
