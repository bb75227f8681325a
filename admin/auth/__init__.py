"""Staff sign-in: password + mandatory TOTP, server-side sessions, the user's own account pages."""
