"""The catalogues are complete: every marked string of the code and templates is translated in
every shipped language, with the same placeholders, and the picker offers each language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("nb", "sv", "da", "fi", "pl", "zh", "vi")  # the staff languages but English
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
            "lazy_gettext": None, "_N": None, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    ids: set[str] = set()
    for package in ("portal", "admin", "supplier_dd", "config"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map, keywords=KEYWORDS
        ):
            ids.add(message if isinstance(message, str) else message[0])
    assert len(ids) > 200
    return ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_translates_every_marked_string(language: str, source_ids: set[str]) -> None:
    path = ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {}
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert "fuzzy" not in message.flags, key
        if all(strings):
            translated[key] = strings
    missing = sorted(source_ids - translated.keys())
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    for key, strings in translated.items():
        expected = set(PLACEHOLDER.findall(key))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= expected | {"num"}, (language, key)
