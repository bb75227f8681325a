"""The reporting routines of each company (AML §2A-6; issue 11 §7(a)): a public page per
company built from the settings, and the versions adopted with the employee representatives."""
