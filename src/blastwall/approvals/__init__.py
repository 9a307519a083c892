"""Action gate approvals (C7): a human approves or denies an irreversible action."""
