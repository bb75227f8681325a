"""Tests of the crypto package (design §3)."""
