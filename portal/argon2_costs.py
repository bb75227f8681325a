"""The configured Argon2id costs, in the two shapes the code hands to a library.

`config` cannot build a `crypto.Argon2Params` (config imports nothing of ours) and `crypto`
does not read settings, so the mapping lives here, once: password hashes, private-key seals
and case-code wrap keys always use the same costs, and raising the costs in the settings
raises all three.
"""

from __future__ import annotations

from argon2 import PasswordHasher

from config import Argon2Costs
from crypto import Argon2Params


def argon2_params(costs: Argon2Costs) -> Argon2Params:
    """The costs as crypto's key-derivation parameters (private-key and case-code seals)."""
    return Argon2Params(
        time_cost=costs.time_cost,
        memory_cost_kib=costs.memory_cost_kib,
        parallelism=costs.parallelism,
    )


def password_hasher(costs: Argon2Costs) -> PasswordHasher:
    """An Argon2id password hasher at the same costs (staff password hashes)."""
    params = argon2_params(costs)
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
    )
