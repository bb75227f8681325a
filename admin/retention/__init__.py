"""The retention page: each company's retention periods, set by an administrator (issue 11 §5)."""
