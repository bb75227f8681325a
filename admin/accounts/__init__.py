"""Staff accounts: users, roles, org units, key certification, the first administrator."""
