"""The administrators' page of the reporting routines (AML §2A-6; issue 11 §7(a))."""
