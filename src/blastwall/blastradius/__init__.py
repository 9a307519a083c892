"""Blast radius (F3): who and what an incident reached, from the traces in its window."""
