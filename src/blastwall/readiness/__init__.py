"""Readiness (SPEC P2): how prepared each system is for its next incident, from real data."""
