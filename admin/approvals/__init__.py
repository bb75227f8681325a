"""Key authority waiting for a second administrator's approval (four eyes)."""
