"""On-call (I2, I3): people, schedules, escalation policies and which policy covers what."""
