"""Idempotency keys: a retried create (hand-off, approval, incident) returns the first one."""
