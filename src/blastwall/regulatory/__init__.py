"""Regulator reporting against the clock (M3): reportability decisions, deadline clocks per
regime from their own anchors, reminders, and report drafts with lineage.

Blastwall computes deadlines from the facts in the project's REGULATORY.md; it is not legal
advice. Regimes, their effective dates and the authority to tell are per-system settings.
"""
