"""Alerts from other tools (Alertmanager, generic JSON) open or join incidents (§4)."""
