"""The settings' Argon2 costs reach crypto's seals and the password hashes unchanged."""

from __future__ import annotations

from argon2 import extract_parameters

from config import Argon2Costs
from crypto import Argon2Params
from portal.argon2_costs import argon2_params, password_hasher

COSTS = Argon2Costs(time_cost=2, memory_cost_kib=128, parallelism=1)


def test_seal_parameters_carry_the_configured_costs() -> None:
    assert argon2_params(COSTS) == Argon2Params(time_cost=2, memory_cost_kib=128, parallelism=1)


def test_password_hashes_carry_the_same_costs() -> None:
    hashed = password_hasher(COSTS).hash("a long enough passphrase")
    used = extract_parameters(hashed)
    assert (used.time_cost, used.memory_cost, used.parallelism) == (2, 128, 1)
    # Raised costs make an old hash due for an upgrade at the next sign-in.
    raised = Argon2Costs(time_cost=3, memory_cost_kib=128, parallelism=1)
    assert password_hasher(raised).check_needs_rehash(hashed)
