"""The languages page (issue 16 §4): review status per language, and switching one off."""
