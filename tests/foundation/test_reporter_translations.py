"""Issue 16 §1: every language the app knows translates every reporter-side string.

The reporter set is defined once, in portal/translation_coverage.py (extracted from the source
by Babel, so it never drifts): every marked string of `portal/**.py` and of
`portal/templates/**` except the staff-only `portal/templates/staff/**`, plus the `config`
modules whose texts reach public pages (categories, authorities, jurisdictions, privacy).
`admin/` and `supplier_dd/` are staff-only. The staff languages (config.languages
STAFF_LANGUAGES) must translate everything: tests/foundation/test_translations.py.

A string counts only when every plural form is filled, it carries no fuzzy flag, and it keeps
the placeholders of the English text (a plural form may leave out the count `%(num)d`, as a
language's "one" form often does). `scripts/untranslated.py LANG --reporter` lists what is
missing."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog, Message

from config.languages import LANGUAGE_CODES, SOURCE_LANGUAGE
from portal.translation_coverage import read_catalogue, source_message_ids

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED_LANGUAGES = [code for code in LANGUAGE_CODES if code != SOURCE_LANGUAGE]


@pytest.fixture(scope="module")
def reporter_ids() -> set[str]:
    ids = source_message_ids(reporter_only=True)
    assert len(ids) > 500  # the rule found the reporter side, not an empty set
    return ids


def _placeholder_problems(message: Message) -> list[str]:
    ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    wanted = set().union(*(PLACEHOLDER.findall(text) for text in ids))
    problems = []
    for string in strings:
        found = set(PLACEHOLDER.findall(string))
        required = wanted - {"num"} if len(ids) > 1 else wanted
        if not required <= found <= wanted:
            problems.append(f"{ids[0][:50]!r}: {sorted(found)} for {sorted(wanted)}")
    return problems


def _translated(catalogue: Catalog) -> dict[str, Message]:
    done = {}
    for message in catalogue:
        if not message.id or "fuzzy" in message.flags:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            done[message.id if isinstance(message.id, str) else message.id[0]] = message
    return done


def test_there_are_24_languages_to_check() -> None:
    assert len(TRANSLATED_LANGUAGES) == 23


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_reporter_side_is_complete(language: str, reporter_ids: set[str]) -> None:
    catalogue = read_catalogue(language)
    fuzzy = [message.id for message in catalogue if message.id and "fuzzy" in message.flags]
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy entries, e.g. {fuzzy[:3]}"
    translated = _translated(catalogue)
    missing = sorted(reporter_ids - translated.keys())
    assert missing == [], (f"{language}: {len(missing)} reporter-side strings untranslated, "
                           f"e.g. {missing[:3]} (scripts/untranslated.py {language} --reporter)")
    problems = [problem for key in reporter_ids
                for problem in _placeholder_problems(translated[key])]
    assert problems == [], f"{language}: placeholders differ: {problems[:3]}"
