"""Settings for Aktsom: defaults < TOML file (AKTSOM_CONFIG) < environment, validated at start."""

from config.authorities import COUNTRY_NAMES, DEFAULT_AUTHORITIES, Authority
from config.categories import DEFAULT_CATEGORIES, Category
from config.settings import (
    RFC9106_MIN,
    TEST_ARGON2,
    Argon2Costs,
    Settings,
    SettingsError,
    load_settings,
    validate,
)

__all__ = [
    "COUNTRY_NAMES",
    "DEFAULT_AUTHORITIES",
    "Authority",
    "DEFAULT_CATEGORIES",
    "RFC9106_MIN",
    "TEST_ARGON2",
    "Argon2Costs",
    "Category",
    "Settings",
    "SettingsError",
    "load_settings",
    "validate",
]
