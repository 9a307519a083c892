"""Incident updates on a cadence (M1) and the ``communications`` section of blastwall.yaml.

An update is posted (``incident.update_posted``: audited, on the timeline as ``update``,
sent to the channels whose routes take ``incident.update_posted``) and restarts the clock;
an overdue update reminds the communications lead, then the commander (``reminders.py``).
"""
