"""Notice to affected users (M2): whether one is due, its draft from the record, and the
record of its sending or export (a change, and a communications-ledger entry)."""
