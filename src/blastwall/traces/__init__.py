"""Traces (F1, F2): what each guarded AI call did, ingested from SDK events."""
