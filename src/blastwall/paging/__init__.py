"""Paging and escalation: who an incident pages, when the next level is paged, and what stops it."""
