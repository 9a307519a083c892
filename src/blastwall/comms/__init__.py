"""The communications ledger: every message Blastwall sent or exported, word for word (M3).

Pages, cadence updates, user notices and regulator reports each append one entry per
recipient and channel with the exact text and its SHA-256, so "what did we tell whom, and
when" is answered from one table. Entries are append-only; nothing updates or deletes them.
"""
