"""Issue 16 §6: the seven existing catalogues, polished after a native-style read.

Reproductions from the issue: Polish addressed the reporter informally ("twój kod", "możesz"),
Norwegian said "gjengjelde mot noen" where the statute says "gjengjeldelse mot", Danish "Lav
en indberetning" read casual, and Chinese called the case code "案件代码"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]

# Polish informal address: the pronoun "ty" in all its cases, and second person singular verbs
# (present/future in -esz/-isz/-ysz/-asz, past in -łeś/-łaś, conditional "abyś"/"-byś",
# "jesteś"). Imperatives of "pisać"
# end in -pisz and "nasz"/"wasz" are possessives: those are not second person verbs.
PL_PRONOUNS = {"twój", "twoja", "twoje", "twojego", "twojej", "twoją", "twoim", "twoich",
               "twoimi", "twojemu", "twym", "twych", "ty", "cię", "ciebie", "tobie", "tobą"}
PL_NOT_VERBS = {"nasz", "wasz", "kapelusz", "tusz", "afisz"}


def polish_informal_forms(text: str) -> list[str]:
    found = []
    for word in re.findall(r"\w+(?:/\w+)?", text.lower()):
        for token in word.split("/"):
            if (token in PL_PRONOUNS or token == "jesteś"
                    or token.endswith(("łeś", "łaś", "byś"))
                    or (token.endswith(("esz", "isz", "ysz", "asz"))
                        and not token.endswith("pisz") and token not in PL_NOT_VERBS)):
                found.append(token)
    return found


def _catalogue(language: str) -> Catalog:
    path = ROOT / "portal" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


def _strings(catalogue: Catalog) -> list[tuple[str, str]]:
    """(id, translation) of every entry, obsolete ones included: nothing may hide there."""
    pairs = []
    for message in [*catalogue, *catalogue.obsolete.values()]:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(key, string) for string in strings if string]
    return pairs


def test_the_checker_finds_the_informal_forms_of_the_issue() -> None:
    assert polish_informal_forms("Zapisz twój kod, możesz wrócić.") == ["twój", "możesz"]
    assert polish_informal_forms("Co usłyszałeś(-aś)?") == ["usłyszałeś"]
    assert polish_informal_forms("abyś mógł(-a) ją wysłać") == ["abyś"]
    assert polish_informal_forms("Proszę zapisać kod sprawy. Można wrócić.") == []


def test_polish_never_addresses_anyone_informally() -> None:
    offending = [(key, form) for key, string in _strings(_catalogue("pl"))
                 for form in polish_informal_forms(string)]
    assert offending == []


def test_norwegian_uses_the_statute_wording_for_retaliation() -> None:
    pairs = _strings(_catalogue("nb"))
    assert not [key for key, string in pairs if re.search(r"gjengjelde\b", string)]
    retaliation = [string for key, string in pairs if "retaliation against" in key]
    assert retaliation and all("gjengjeldelse mot" in string for string in retaliation)


def test_danish_make_a_report_is_formal() -> None:
    catalogue = _catalogue("da")
    assert catalogue["Make a report"].string == "Indgiv en indberetning"
    assert not [key for key, string in _strings(catalogue) if "Lav en indberetning" in string]


@pytest.mark.parametrize("key", ["Case code", "I have a case code", "Enter your case code."])
def test_chinese_calls_the_case_code_a_lookup_code_consistently(key: str) -> None:
    catalogue = _catalogue("zh")
    assert "查询码" in catalogue[key].string
    assert not [key for key, string in _strings(catalogue) if "案件代码" in string]
    # The staff's case reference (a number, not a secret) keeps its own word.
    assert catalogue["Case reference"].string == "案件编号"
