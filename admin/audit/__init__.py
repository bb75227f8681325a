"""The audit trail as staff see it: the event table and the chain check."""
