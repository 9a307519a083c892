"""The change record: one call audits a change and hands it to its subscribers."""

from blastwall.changes.record import (
    Change,
    Recorded,
    record,
    subscribe,
    subscribe_after_commit,
)

__all__ = ["Change", "Recorded", "record", "subscribe", "subscribe_after_commit"]
