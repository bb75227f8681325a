"""The compliance officers' register of information requests (Transparency Act §6–7)."""
