"""Settings: layering, types, and refusals of unsafe production settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import RFC9106_MIN, SettingsError, load_settings

STRONG = "k3Y9-vQ2mZ7pL0xR8tW4nB6cH1jF5sD2gA9eU3yK"


def test_defaults_are_development_with_a_random_key() -> None:
    first, second = load_settings(environ={}), load_settings(environ={})
    assert first.env == "development"
    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key
    assert first.database_url.startswith("sqlite:///")
    assert first.acknowledgement_days == 7
    assert first.feedback_months == 3


def test_environment_overrides_file_which_overrides_defaults(tmp_path: Path) -> None:
    config = tmp_path / "aktsom.toml"
    config.write_text('organisation_name = "From file"\nretention_days = 60\n'
                      'languages = ["en", "nb"]\n[argon2]\ntime_cost = 4\n')
    settings = load_settings(environ={
        "AKTSOM_CONFIG": str(config), "AKTSOM_RETENTION_DAYS": "90",
    })
    assert settings.organisation_name == "From file"
    assert settings.retention_days == 90
    assert settings.languages == ("en", "nb")
    assert settings.argon2.time_cost == 4


def test_categories_can_be_configured(tmp_path: Path) -> None:
    config = tmp_path / "aktsom.toml"
    config.write_text('[[categories]]\ncode = "safety"\nlabel = "Safety"\nhuman_rights = true\n')
    settings = load_settings(environ={"AKTSOM_CONFIG": str(config)})
    assert [(c.code, c.human_rights) for c in settings.categories] == [("safety", True)]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"AKTSOM_ENV": "production"}, "AKTSOM_SECRET_KEY"),
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": "short"}, "AKTSOM_SECRET_KEY"),
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": "a" * 64}, "AKTSOM_SECRET_KEY"),
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
          "AKTSOM_COOKIE_SECURE": "false"}, "AKTSOM_COOKIE_SECURE"),
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
          "AKTSOM_DATABASE_URL": "sqlite:////mnt/share/aktsom.sqlite3"}, "AKTSOM_DATABASE_URL"),
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
          "AKTSOM_ARGON2_MEMORY_COST_KIB": "8192"}, "AKTSOM_ARGON2"),
        # Issue 11 §1(d): the legal maximum periods are never exceeded in production.
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
          "AKTSOM_ACKNOWLEDGEMENT_DAYS": "8"}, "AKTSOM_ACKNOWLEDGEMENT_DAYS"),
        ({"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
          "AKTSOM_FEEDBACK_MONTHS": "4"}, "AKTSOM_FEEDBACK_MONTHS"),
        ({"AKTSOM_ENV": "staging"}, "AKTSOM_ENV"),
        ({"AKTSOM_MAX_FILE_BYTES": "lots"}, "max_file_bytes"),
        ({"AKTSOM_DATABASE_URL": "mysql://x"}, "AKTSOM_DATABASE_URL"),
        ({"AKTSOM_STRIP_METADATA": "perhaps"}, "strip_metadata"),
        ({"AKTSOM_MAX_IMAGE_PIXELS": "0"}, "AKTSOM_MAX_IMAGE_PIXELS"),
        ({"AKTSOM_METADATA_SECONDS": "-1"}, "AKTSOM_METADATA_SECONDS"),
        ({"AKTSOM_METADATA_MEMORY_MIB": "0"}, "AKTSOM_METADATA_MEMORY_MIB"),
    ],
)
def test_unsafe_or_malformed_settings_stop_the_start(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ=environ)
    message = str(raised.value)
    assert named in message
    assert "\n" not in message


def test_production_accepts_shorter_legal_periods() -> None:
    settings = load_settings(environ={"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG,
                                      "AKTSOM_ACKNOWLEDGEMENT_DAYS": "7",
                                      "AKTSOM_FEEDBACK_MONTHS": "2"})
    assert (settings.acknowledgement_days, settings.feedback_months) == (7, 2)


def test_production_defaults_are_secure() -> None:
    settings = load_settings(environ={"AKTSOM_ENV": "production", "AKTSOM_SECRET_KEY": STRONG})
    assert settings.cookie_secure
    assert settings.hsts
    costs = settings.argon2
    assert costs.time_cost >= RFC9106_MIN.time_cost
    assert costs.memory_cost_kib >= RFC9106_MIN.memory_cost_kib


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "aktsom.toml"
    config.write_text("colour = 'blue'\n")
    with pytest.raises(SettingsError, match="colour"):
        load_settings(environ={"AKTSOM_CONFIG": str(config)})


def test_external_authorities_can_be_configured(tmp_path: Path) -> None:
    config = tmp_path / "aktsom.toml"
    config.write_text('[[authorities]]\ncountry = "fi"\nname = "Oikeuskansleri"\n'
                      'area = "External reporting"\nurl = "https://oikeuskansleri.fi/"\n')
    settings = load_settings(environ={"AKTSOM_CONFIG": str(config)})
    assert [(a.country, a.name) for a in settings.authorities] == [("FI", "Oikeuskansleri")]
    config.write_text('[[authorities]]\ncountry = "FI"\nname = "X"\nurl = "http://x.fi/"\n')
    with pytest.raises(SettingsError, match="https"):
        load_settings(environ={"AKTSOM_CONFIG": str(config)})


def test_the_time_zone_is_the_organisations_and_is_checked() -> None:
    """Issue 14 §9: staff pages show times in the organisation's zone (default Oslo); an
    unknown name stops the start with a line naming the setting."""
    assert load_settings(environ={}).time_zone == "Europe/Oslo"
    assert load_settings(environ={"AKTSOM_TIME_ZONE": "Europe/Stockholm"}).time_zone == \
        "Europe/Stockholm"
    for wrong in ("Europe/Atlantis", "CET+1", "../../etc/passwd", ""):
        with pytest.raises(SettingsError, match="AKTSOM_TIME_ZONE"):
            load_settings(environ={"AKTSOM_TIME_ZONE": wrong})
