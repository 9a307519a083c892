"""The runbook of a system: the exact commands a responder runs to contain it (I6)."""
