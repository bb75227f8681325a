"""GDPR duties on the staff side (issue 11 §4, §6, §9): the form of the Art. 14 task, the
administrators' page of external channels to confirm, and `aktsom privacy-record`."""
