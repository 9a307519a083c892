"""Blastwall: incident command for production AI."""

__version__ = "0.1.0"
