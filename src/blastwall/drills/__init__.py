"""Game days (P3): scenarios that inject real faults into the demo and time the response."""
