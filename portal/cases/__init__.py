"""Cases: submission, key wrapping, reading and the dialogue, shared by both apps."""
