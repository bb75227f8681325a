"""Whether a native speaker has checked each language's protective texts (issue 16 §4).

The data is `portal/translations/review.toml`, kept with the catalogues: per language, per
group of protective texts, reviewed yes/no and by whom, on which date. A group counts as
reviewed only with both; anything else (a missing language, a missing group, a "yes" with no
name) reads as unreviewed, so machine-made text can never claim a review by omission.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from config.languages import LANGUAGE_CODES, SOURCE_LANGUAGE

REVIEW_FILE = Path(__file__).parent / "translations" / "review.toml"

# The protective text groups, in the order the admin page shows them.
REVIEW_GROUPS = {
    "readers": _l("Who reads the report"),
    "retaliation": _l("Protection from retaliation"),
    "privacy": _l("Privacy notice"),
    "retention": _l("Retention"),
}


class ReviewDataError(ValueError):
    """review.toml names an unknown language or group, or a review without reviewer or date."""


@dataclass(frozen=True)
class GroupReview:
    reviewed: bool
    by: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class LanguageReview:
    code: str
    # The language the texts are written in: there is no translation to review.
    source: bool
    groups: dict[str, GroupReview]

    @property
    def fully_reviewed(self) -> bool:
        return self.source or all(review.reviewed for review in self.groups.values())

    @property
    def unreviewed_groups(self) -> list[str]:
        if self.source:
            return []
        return [group for group, review in self.groups.items() if not review.reviewed]


def _group(code: str, group: str, raw: Any) -> GroupReview:
    if not isinstance(raw, dict) or not isinstance(raw.get("reviewed", False), bool):
        raise ReviewDataError(f"{code}.{group}: expected {{ reviewed = true|false, ... }}")
    if not raw.get("reviewed", False):
        return GroupReview(False)
    by, on = raw.get("by"), raw.get("date")
    if not isinstance(by, str) or not by.strip() or not isinstance(on, date):
        raise ReviewDataError(f"{code}.{group}: a review needs `by` and `date`")
    return GroupReview(True, by.strip(), on)


def parse_reviews(data: dict[str, Any]) -> dict[str, LanguageReview]:
    """Every known language's review state from the parsed TOML."""
    unknown = sorted(set(data) - set(LANGUAGE_CODES))
    if unknown:
        raise ReviewDataError(f"unknown language {unknown[0]!r}")
    reviews = {}
    for code in LANGUAGE_CODES:
        raw = data.get(code, {})
        extra = sorted(set(raw) - set(REVIEW_GROUPS) - {"source"})
        if extra:
            raise ReviewDataError(f"{code}: unknown group {extra[0]!r}")
        source = bool(raw.get("source", False)) and code == SOURCE_LANGUAGE
        groups = {group: _group(code, group, raw.get(group, {"reviewed": False}))
                  for group in REVIEW_GROUPS}
        reviews[code] = LanguageReview(code, source, groups)
    return reviews


def load_reviews(path: Path = REVIEW_FILE) -> dict[str, LanguageReview]:
    with path.open("rb") as handle:
        return parse_reviews(tomllib.load(handle))
