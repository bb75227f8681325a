"""Forms of the supplier workflow (action plans, contract reviews, meetings)."""
