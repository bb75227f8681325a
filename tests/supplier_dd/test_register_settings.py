"""The register's configurable lists: defaults carry the high-risk goods; TOML replaces them."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import SettingsError, load_settings


def test_the_defaults_carry_the_high_risk_groups_of_the_domain() -> None:
    settings = load_settings(environ={})
    high_risk = {group.code for group in settings.product_groups if group.high_risk}
    assert high_risk == {"ict_electronics", "minerals_3tg_cobalt", "mica", "solar_panels",
                         "textiles", "construction_services", "surveillance"}
    assert any(not group.high_risk for group in settings.product_groups)
    assert set(settings.large_spend_bands) <= {band.code for band in settings.spend_bands}


def test_toml_replaces_the_lists_and_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text('large_spend_bands = ["big"]\n'
                    '[[product_groups]]\ncode = "cocoa"\nlabel = "Cocoa"\nhigh_risk = true\n'
                    '[[spend_bands]]\ncode = "small"\nlabel = "Small"\n'
                    '[[spend_bands]]\ncode = "big"\nlabel = "Big"\n', encoding="utf-8")
    settings = load_settings(environ={"AKTSOM_CONFIG": str(path)})
    assert [(group.code, group.high_risk) for group in settings.product_groups] == [
        ("cocoa", True)]
    assert [band.code for band in settings.spend_bands] == ["small", "big"]
    assert settings.large_spend_bands == ("big",)


def test_a_large_band_must_be_a_configured_band() -> None:
    with pytest.raises(SettingsError, match="AKTSOM_LARGE_SPEND_BANDS"):
        load_settings(environ={"AKTSOM_LARGE_SPEND_BANDS": "enormous"})


def test_a_malformed_list_names_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text('[[product_groups]]\nlabel = "No code"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="product_groups"):
        load_settings(environ={"AKTSOM_CONFIG": str(path)})
