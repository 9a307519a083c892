"""Triage trees: per-system questions that lead a responder to a suspect and a lever (T3)."""
