"""Human handoff queue (C2): work the AI handed to a person, claimed and resolved."""
