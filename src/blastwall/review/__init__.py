"""Ground-truth review (D4): sampled outputs, human verdicts, measured accuracy."""
