"""Monitors (D1-D8): what to watch per system, their persisted state, alarms and verification."""
