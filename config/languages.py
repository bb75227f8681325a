"""The languages Aktsom knows: each named in itself, its writing direction, and whether the
staff side speaks it too. One table, so the picker, `<html lang dir>`, the admin page and the
completeness tests never disagree. Enabling is separate: settings choose which of these a
deployment offers, and an admin can switch one off until its protective texts are reviewed
(`portal/language_switches.py`). Kept in `config` (a data table) so settings can check
the codes they are given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class Language:
    code: str
    # The name in the language itself, so a reporter finds theirs without reading English.
    native_name: str
    direction: Direction = "ltr"


# Reporter-side languages: the group's own (Nordic), then the countries it buys from and
# employs in (issue 16). The order is the picker's order when nothing better is known.
LANGUAGES: tuple[Language, ...] = (
    Language("en", "English"),
    Language("nb", "Norsk bokmål"),
    Language("sv", "Svenska"),
    Language("da", "Dansk"),
    Language("fi", "Suomi"),
    Language("de", "Deutsch"),
    Language("pl", "Polski"),
    Language("lt", "Lietuvių"),
    Language("et", "Eesti"),
    Language("lv", "Latviešu"),
    Language("uk", "Українська"),
    Language("ro", "Română"),
    Language("tr", "Türkçe"),
    Language("ar", "العربية", "rtl"),
    Language("ur", "اردو", "rtl"),
    Language("bn", "বাংলা"),
    Language("hi", "हिन्दी"),
    Language("th", "ไทย"),
    Language("zh", "中文"),
    Language("vi", "Tiếng Việt"),
    Language("id", "Bahasa Indonesia"),
    Language("es", "Español"),
    Language("pt", "Português"),
    Language("fr", "Français"),
)
BY_CODE: dict[str, Language] = {language.code: language for language in LANGUAGES}
LANGUAGE_CODES: tuple[str, ...] = tuple(BY_CODE)

# The staff side (case handling, supplier register, annual account) is translated in full
# into the group's own languages and those of its larger staff groups; every other language
# is reporter-side only (what a reporter or the public can be shown).
STAFF_LANGUAGES: tuple[str, ...] = ("en", "nb", "sv", "da", "fi", "pl", "zh", "vi")
# The language the source strings are written in: it needs no translation review.
SOURCE_LANGUAGE = "en"


def native_name(code: str) -> str:
    language = BY_CODE.get(code)
    return language.native_name if language else code


def direction(code: str) -> Direction:
    language = BY_CODE.get(code)
    return language.direction if language else "ltr"
