"""The reporter's pages: report, follow up with the case code, the dialogue."""
